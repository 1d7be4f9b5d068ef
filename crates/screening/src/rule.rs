//! Rules: SQL boolean expressions over features and named parameters, parsed with `sqlparser`,
//! checked (known names, types, a small list of functions) and compiled to a typed tree that is
//! evaluated a column at a time with SQL's three-valued logic (NULL compares as unknown; a household
//! is flagged only when the rule is TRUE).

use sqlparser::ast::{
    BinaryOperator, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, UnaryOperator, Value,
};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;
use std::borrow::Cow;
use zhenxing_domain::PolicyKey;
use zhenxing_domain::policy::PolicyUnit;

use crate::features::{Column, Feature, Table, Type, Unit};
use crate::num::Num;

/// A named parameter a rule may use: the screening keys of the policy table and `monitoring_line`.
pub fn parameters() -> Vec<PolicyKey> {
    PolicyKey::ALL
        .iter()
        .copied()
        .filter(|k| k.is_screening())
        .collect()
}

fn param_unit(k: PolicyKey) -> Unit {
    match k.unit() {
        PolicyUnit::Yuan => Unit::Yuan,
        PolicyUnit::Days | PolicyUnit::Months | PolicyUnit::Years => Unit::Days,
        PolicyUnit::Ratio => Unit::Ratio,
    }
}

/// A parameter's value as a rule sees it.
pub fn param_num(k: PolicyKey, stored: i64) -> Num {
    match k.unit() {
        PolicyUnit::Yuan => Num::from_yuan(zhenxing_domain::Yuan::from_fen(stored)),
        PolicyUnit::Ratio => Num::from_ratio(stored),
        PolicyUnit::Days | PolicyUnit::Months | PolicyUnit::Years => Num::from_int(stored),
    }
}

/// Why a rule expression is refused, in Chinese, with where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RuleError {
    pub message: String,
}

fn err<T>(message: impl Into<String>) -> Result<T, RuleError> {
    Err(RuleError {
        message: message.into(),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Gt,
    Ge,
    Lt,
    Le,
    Eq,
    Ne,
}

impl CmpOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Gt => ">",
            CmpOp::Ge => "≥",
            CmpOp::Lt => "<",
            CmpOp::Le => "≤",
            CmpOp::Eq => "=",
            CmpOp::Ne => "≠",
        }
    }

    fn apply(self, a: Num, b: Num) -> bool {
        match self {
            CmpOp::Gt => a > b,
            CmpOp::Ge => a >= b,
            CmpOp::Lt => a < b,
            CmpOp::Le => a <= b,
            CmpOp::Eq => a == b,
            CmpOp::Ne => a != b,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    Least,
    Greatest,
    Abs,
    Coalesce,
}

/// A checked rule expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Num(Num),
    Bool(bool),
    Null,
    Feature(Feature),
    Param(PolicyKey),
    Not(Box<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Cmp(CmpOp, Box<Node>, Box<Node>),
    Arith(ArithOp, Box<Node>, Box<Node>),
    Neg(Box<Node>),
    IsNull(Box<Node>, bool),
    Case(Vec<(Node, Node)>, Box<Node>),
    Call(Func, Vec<Node>),
}

/// The type of a node: boolean or a number (with the unit its first operand brings, for display).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    Bool,
    Num(Unit),
    /// NULL literal: fits anywhere.
    Any,
}

fn ty_name(t: Ty) -> &'static str {
    match t {
        Ty::Bool => "真假值",
        Ty::Num(_) => "数值",
        Ty::Any => "空值",
    }
}

fn expect_bool(t: Ty, what: &str) -> Result<(), RuleError> {
    match t {
        Ty::Bool | Ty::Any => Ok(()),
        other => err(format!("{what}应为真假条件，这里是{}", ty_name(other))),
    }
}

fn expect_num(t: Ty, what: &str) -> Result<Unit, RuleError> {
    match t {
        Ty::Num(u) => Ok(u),
        Ty::Any => Ok(Unit::Count),
        other => err(format!("{what}应为数值，这里是{}", ty_name(other))),
    }
}

/// Parses and checks a rule expression. The message of an error points at the problem: the
/// parser's line and column, or the unknown name with the names that exist.
pub fn compile(text: &str) -> Result<Node, RuleError> {
    if text.trim().is_empty() {
        return err("规则表达式不能为空");
    }
    let dialect = GenericDialect {};
    let expr = Parser::new(&dialect)
        .try_with_sql(text)
        .and_then(|mut p| {
            let e = p.parse_expr()?;
            // Anything after the expression is an error, not silently ignored.
            let next = p.peek_token();
            if next.token != sqlparser::tokenizer::Token::EOF {
                return Err(sqlparser::parser::ParserError::ParserError(format!(
                    "表达式结束后还有多余内容：{}{}",
                    next.token, next.span.start
                )));
            }
            Ok(e)
        })
        .map_err(|e| {
            let mut message = parser_message(&e.to_string());
            // sqlparser gives no position when the text ends too early: that is its end.
            if !message.ends_with("列）") {
                let line = text.split('\n').count();
                let column = text
                    .split('\n')
                    .next_back()
                    .map_or(0, |l| l.chars().count())
                    + 1;
                message = format!("{message}（第 {line} 行第 {column} 列，表达式不完整）");
            }
            RuleError {
                message: format!("规则表达式语法错误：{message}"),
            }
        })?;
    let (node, ty) = lower(&expr)?;
    expect_bool(ty, "整个规则")?;
    Ok(node)
}

/// sqlparser's English message, with its position translated.
fn parser_message(raw: &str) -> String {
    let raw = raw
        .trim_start_matches("sql parser error: ")
        .trim_start_matches("sql tokenizer error: ");
    let raw = raw
        .replace("Expected: ", "此处应为 ")
        .replace(", found: ", "，实际为 ")
        .replace("an expression", "表达式")
        .replace("实际为 EOF", "实际已到结尾");
    match raw.rsplit_once(" at Line: ") {
        Some((msg, pos)) => {
            let pos = pos.replace(", Column: ", " 行第 ");
            format!("{msg}（第 {pos} 列）")
        }
        None => raw,
    }
}

fn unknown_name(name: &str) -> RuleError {
    let features: Vec<&str> = Feature::ALL.iter().map(|f| f.name()).collect();
    let params: Vec<&str> = parameters().iter().map(|p| p.code()).collect();
    RuleError {
        message: format!(
            "未知的名称“{name}”：可用的特征有 {}；参数有 {}",
            features.join("、"),
            params.join("、")
        ),
    }
}

use zhenxing_domain::CodeEnum;

fn lower(e: &Expr) -> Result<(Node, Ty), RuleError> {
    match e {
        Expr::Nested(inner) => lower(inner),
        Expr::Identifier(ident) => {
            let name = ident.value.as_str();
            if let Some(f) = Feature::by_name(name) {
                let ty = match f.ty() {
                    Type::Bool => Ty::Bool,
                    Type::Num(u) => Ty::Num(u),
                };
                return Ok((Node::Feature(f), ty));
            }
            if let Some(k) = parameters()
                .into_iter()
                .find(|k| k.code().eq_ignore_ascii_case(name))
            {
                return Ok((Node::Param(k), Ty::Num(param_unit(k))));
            }
            match name.to_ascii_uppercase().as_str() {
                "TRUE" => Ok((Node::Bool(true), Ty::Bool)),
                "FALSE" => Ok((Node::Bool(false), Ty::Bool)),
                _ => Err(unknown_name(name)),
            }
        }
        Expr::CompoundIdentifier(parts) => {
            let joined: Vec<&str> = parts.iter().map(|p| p.value.as_str()).collect();
            Err(unknown_name(&joined.join(".")))
        }
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) => match Num::parse(n) {
                Some(x) => Ok((Node::Num(x), Ty::Num(Unit::Count))),
                None => err(format!("数字“{n}”无效：最多六位小数，不支持科学计数法")),
            },
            Value::Boolean(b) => Ok((Node::Bool(*b), Ty::Bool)),
            Value::Null => Ok((Node::Null, Ty::Any)),
            Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => {
                err(format!("规则中不能使用文字“{s}”：只能比较数值和真假条件"))
            }
            other => err(format!("不支持的值：{other}")),
        },
        Expr::UnaryOp { op, expr } => {
            let (n, t) = lower(expr)?;
            match op {
                UnaryOperator::Not => {
                    expect_bool(t, "NOT 之后")?;
                    Ok((Node::Not(Box::new(n)), Ty::Bool))
                }
                UnaryOperator::Minus => {
                    let u = expect_num(t, "负号之后")?;
                    Ok((Node::Neg(Box::new(n)), Ty::Num(u)))
                }
                UnaryOperator::Plus => {
                    expect_num(t, "正号之后")?;
                    Ok((n, t))
                }
                other => err(format!("不支持的运算符：{other}")),
            }
        }
        Expr::BinaryOp { left, op, right } => {
            let (l, lt) = lower(left)?;
            let (r, rt) = lower(right)?;
            let b = |n: Node| Box::new(n);
            match op {
                BinaryOperator::And | BinaryOperator::Or => {
                    expect_bool(lt, &format!("{op} 左边"))?;
                    expect_bool(rt, &format!("{op} 右边"))?;
                    let node = if *op == BinaryOperator::And {
                        Node::And(b(l), b(r))
                    } else {
                        Node::Or(b(l), b(r))
                    };
                    Ok((node, Ty::Bool))
                }
                BinaryOperator::Gt
                | BinaryOperator::GtEq
                | BinaryOperator::Lt
                | BinaryOperator::LtEq
                | BinaryOperator::Eq
                | BinaryOperator::NotEq => {
                    let cmp = match op {
                        BinaryOperator::Gt => CmpOp::Gt,
                        BinaryOperator::GtEq => CmpOp::Ge,
                        BinaryOperator::Lt => CmpOp::Lt,
                        BinaryOperator::LtEq => CmpOp::Le,
                        BinaryOperator::Eq => CmpOp::Eq,
                        _ => CmpOp::Ne,
                    };
                    expect_num(lt, &format!("比较 {op} 的左边"))?;
                    expect_num(rt, &format!("比较 {op} 的右边"))?;
                    Ok((Node::Cmp(cmp, b(l), b(r)), Ty::Bool))
                }
                BinaryOperator::Plus
                | BinaryOperator::Minus
                | BinaryOperator::Multiply
                | BinaryOperator::Divide => {
                    let lu = expect_num(lt, &format!("{op} 的左边"))?;
                    let ru = expect_num(rt, &format!("{op} 的右边"))?;
                    let arith = match op {
                        BinaryOperator::Plus => ArithOp::Add,
                        BinaryOperator::Minus => ArithOp::Sub,
                        BinaryOperator::Multiply => ArithOp::Mul,
                        _ => ArithOp::Div,
                    };
                    // Money times a share is money: the unit follows the non-ratio side.
                    let unit = match (lu, ru) {
                        (Unit::Yuan, _) | (_, Unit::Yuan) => Unit::Yuan,
                        (Unit::Days, _) | (_, Unit::Days) => Unit::Days,
                        (Unit::Count, _) | (_, Unit::Count) => Unit::Count,
                        _ => Unit::Ratio,
                    };
                    Ok((Node::Arith(arith, b(l), b(r)), Ty::Num(unit)))
                }
                other => err(format!(
                    "不支持的运算符“{other}”：可用 AND、OR、NOT、比较（> >= < <= = <>）和 + - * /"
                )),
            }
        }
        Expr::IsNull(inner) | Expr::IsNotNull(inner) => {
            let (n, _) = lower(inner)?;
            Ok((
                Node::IsNull(Box::new(n), matches!(e, Expr::IsNotNull(_))),
                Ty::Bool,
            ))
        }
        Expr::Between {
            expr,
            negated,
            low,
            high,
        } => {
            let (x, xt) = lower(expr)?;
            let (lo, lot) = lower(low)?;
            let (hi, hit) = lower(high)?;
            expect_num(xt, "BETWEEN 之前")?;
            expect_num(lot, "BETWEEN 的下限")?;
            expect_num(hit, "BETWEEN 的上限")?;
            let node = Node::And(
                Box::new(Node::Cmp(CmpOp::Ge, Box::new(x.clone()), Box::new(lo))),
                Box::new(Node::Cmp(CmpOp::Le, Box::new(x), Box::new(hi))),
            );
            Ok((
                if *negated {
                    Node::Not(Box::new(node))
                } else {
                    node
                },
                Ty::Bool,
            ))
        }
        Expr::Case {
            operand,
            conditions,
            else_result,
            ..
        } => {
            if operand.is_some() {
                return err("请使用 CASE WHEN 条件 THEN 值 … ELSE 值 END 的形式");
            }
            let mut arms = Vec::new();
            let mut ty = Ty::Any;
            for w in conditions {
                let (c, ct) = lower(&w.condition)?;
                expect_bool(ct, "WHEN 之后")?;
                let (v, vt) = lower(&w.result)?;
                ty = unify(ty, vt)?;
                arms.push((c, v));
            }
            let otherwise = match else_result {
                Some(e) => {
                    let (v, vt) = lower(e)?;
                    ty = unify(ty, vt)?;
                    v
                }
                None => Node::Null,
            };
            Ok((Node::Case(arms, Box::new(otherwise)), ty))
        }
        Expr::Function(f) => {
            let name = f.name.to_string().to_ascii_uppercase();
            let func = match name.as_str() {
                "LEAST" => Func::Least,
                "GREATEST" => Func::Greatest,
                "ABS" => Func::Abs,
                "COALESCE" => Func::Coalesce,
                _ => {
                    return err(format!(
                        "不支持的函数“{}”：可用 LEAST、GREATEST、ABS、COALESCE",
                        f.name
                    ));
                }
            };
            let FunctionArguments::List(list) = &f.args else {
                return err(format!("函数 {name} 需要参数"));
            };
            let mut args = Vec::new();
            let mut unit = None;
            for a in &list.args {
                let FunctionArg::Unnamed(FunctionArgExpr::Expr(x)) = a else {
                    return err(format!("函数 {name} 的参数无效"));
                };
                let (n, t) = lower(x)?;
                let u = expect_num(t, &format!("函数 {name} 的参数"))?;
                unit.get_or_insert(u);
                args.push(n);
            }
            let arity_ok = match func {
                Func::Abs => args.len() == 1,
                _ => !args.is_empty(),
            };
            if !arity_ok {
                return err(format!("函数 {name} 的参数个数不对"));
            }
            Ok((Node::Call(func, args), Ty::Num(unit.unwrap_or(Unit::Count))))
        }
        other => err(format!("不支持的表达式：{other}")),
    }
}

fn unify(a: Ty, b: Ty) -> Result<Ty, RuleError> {
    match (a, b) {
        (Ty::Any, t) | (t, Ty::Any) => Ok(t),
        (Ty::Bool, Ty::Bool) => Ok(Ty::Bool),
        (Ty::Num(u), Ty::Num(_)) => Ok(Ty::Num(u)),
        _ => err("CASE 各分支的结果类型不一致（真假值与数值混用）"),
    }
}

impl Node {
    /// The features and parameters a rule uses, in order of first use.
    pub fn names(&self, out: &mut Vec<String>) {
        let mut push = |s: &str| {
            if !out.iter().any(|o| o == s) {
                out.push(s.to_string());
            }
        };
        match self {
            Node::Feature(f) => push(f.name()),
            Node::Param(p) => push(p.code()),
            Node::Num(_) | Node::Bool(_) | Node::Null => {}
            Node::Not(a) | Node::Neg(a) | Node::IsNull(a, _) => a.names(out),
            Node::And(a, b) | Node::Or(a, b) | Node::Cmp(_, a, b) | Node::Arith(_, a, b) => {
                a.names(out);
                b.names(out);
            }
            Node::Case(arms, e) => {
                for (c, v) in arms {
                    c.names(out);
                    v.names(out);
                }
                e.names(out);
            }
            Node::Call(_, args) => args.iter().for_each(|a| a.names(out)),
        }
    }
}

/// Parameter values of a run.
pub trait ParamSource {
    fn value(&self, key: PolicyKey) -> Num;
}

/// A column-at-a-time result; a feature's column is borrowed from the table, not copied.
#[derive(Debug, Clone, PartialEq)]
pub enum Values<'a> {
    Bool(Cow<'a, [Option<bool>]>),
    Num(Cow<'a, [Option<Num>]>),
    /// One value for every row (literals and parameters), kept unexpanded.
    ConstNum(Option<Num>),
    ConstBool(Option<bool>),
}

impl Values<'_> {
    fn num_at(&self, i: usize) -> Option<Num> {
        match self {
            Values::Num(v) => v[i],
            Values::ConstNum(c) => *c,
            _ => None,
        }
    }

    fn bool_at(&self, i: usize) -> Option<bool> {
        match self {
            Values::Bool(v) => v[i],
            Values::ConstBool(c) => *c,
            _ => None,
        }
    }
}

/// Evaluates `node` over every row of the table.
pub fn eval<'a>(node: &Node, table: &'a Table, params: &dyn ParamSource) -> Values<'a> {
    let n = table.rows;
    match node {
        Node::Num(x) => Values::ConstNum(Some(*x)),
        Node::Bool(b) => Values::ConstBool(Some(*b)),
        Node::Null => Values::ConstNum(None),
        Node::Param(k) => Values::ConstNum(Some(params.value(*k))),
        Node::Feature(f) => match table.column(*f) {
            Column::Bool(v) => Values::Bool(Cow::Borrowed(v)),
            Column::Num(v) => Values::Num(Cow::Borrowed(v)),
        },
        Node::Not(a) => map_bool(&eval(a, table, params), n, |x| x.map(|b| !b)),
        Node::Neg(a) => map_num(&eval(a, table, params), n, |x| x.map(|v| Num(-v.0))),
        Node::IsNull(a, negated) => {
            let v = eval(a, table, params);
            let neg = *negated;
            Values::Bool(
                (0..n)
                    .map(|i| {
                        let is_null = match &v {
                            Values::Bool(_) | Values::ConstBool(_) => v.bool_at(i).is_none(),
                            _ => v.num_at(i).is_none(),
                        };
                        Some(is_null != neg)
                    })
                    .collect(),
            )
        }
        Node::And(a, b) => {
            let (x, y) = (eval(a, table, params), eval(b, table, params));
            Values::Bool(
                (0..n)
                    .map(|i| match (x.bool_at(i), y.bool_at(i)) {
                        (Some(false), _) | (_, Some(false)) => Some(false),
                        (Some(true), Some(true)) => Some(true),
                        _ => None,
                    })
                    .collect(),
            )
        }
        Node::Or(a, b) => {
            let (x, y) = (eval(a, table, params), eval(b, table, params));
            Values::Bool(
                (0..n)
                    .map(|i| match (x.bool_at(i), y.bool_at(i)) {
                        (Some(true), _) | (_, Some(true)) => Some(true),
                        (Some(false), Some(false)) => Some(false),
                        _ => None,
                    })
                    .collect(),
            )
        }
        Node::Cmp(op, a, b) => {
            let (x, y) = (eval(a, table, params), eval(b, table, params));
            Values::Bool(
                (0..n)
                    .map(|i| match (x.num_at(i), y.num_at(i)) {
                        (Some(p), Some(q)) => Some(op.apply(p, q)),
                        _ => None,
                    })
                    .collect(),
            )
        }
        Node::Arith(op, a, b) => {
            let (x, y) = (eval(a, table, params), eval(b, table, params));
            let f = |p: Num, q: Num| match op {
                ArithOp::Add => p.checked_add(q),
                ArithOp::Sub => p.checked_sub(q),
                ArithOp::Mul => p.checked_mul(q),
                ArithOp::Div => p.checked_div(q),
            };
            if let (Values::ConstNum(p), Values::ConstNum(q)) = (&x, &y) {
                return Values::ConstNum(p.zip(*q).and_then(|(p, q)| f(p, q)));
            }
            Values::Num(
                (0..n)
                    .map(|i| x.num_at(i).zip(y.num_at(i)).and_then(|(p, q)| f(p, q)))
                    .collect(),
            )
        }
        Node::Case(arms, otherwise) => {
            let conds: Vec<(Values, Values)> = arms
                .iter()
                .map(|(c, v)| (eval(c, table, params), eval(v, table, params)))
                .collect();
            let e = eval(otherwise, table, params);
            let is_bool = matches!(e, Values::Bool(_) | Values::ConstBool(_))
                || conds
                    .iter()
                    .any(|(_, v)| matches!(v, Values::Bool(_) | Values::ConstBool(_)));
            if is_bool {
                Values::Bool(
                    (0..n)
                        .map(|i| {
                            conds
                                .iter()
                                .find(|(c, _)| c.bool_at(i) == Some(true))
                                .map_or_else(|| e.bool_at(i), |(_, v)| v.bool_at(i))
                        })
                        .collect(),
                )
            } else {
                Values::Num(
                    (0..n)
                        .map(|i| {
                            conds
                                .iter()
                                .find(|(c, _)| c.bool_at(i) == Some(true))
                                .map_or_else(|| e.num_at(i), |(_, v)| v.num_at(i))
                        })
                        .collect(),
                )
            }
        }
        Node::Call(func, args) => {
            let vals: Vec<Values> = args.iter().map(|a| eval(a, table, params)).collect();
            Values::Num(
                (0..n)
                    .map(|i| {
                        let xs = vals.iter().map(|v| v.num_at(i));
                        match func {
                            Func::Abs => vals[0].num_at(i).map(|v| Num(v.0.abs())),
                            Func::Coalesce => vals.iter().find_map(|v| v.num_at(i)),
                            // SQL: any NULL argument makes LEAST/GREATEST NULL (PostgreSQL
                            // ignores NULLs; we follow the standard and SQLite).
                            Func::Least => xs.collect::<Option<Vec<Num>>>()?.into_iter().min(),
                            Func::Greatest => xs.collect::<Option<Vec<Num>>>()?.into_iter().max(),
                        }
                    })
                    .collect(),
            )
        }
    }
}

fn map_bool<'a>(v: &Values<'_>, n: usize, f: impl Fn(Option<bool>) -> Option<bool>) -> Values<'a> {
    match v {
        Values::ConstBool(c) => Values::ConstBool(f(*c)),
        _ => Values::Bool((0..n).map(|i| f(v.bool_at(i))).collect()),
    }
}

fn map_num<'a>(v: &Values<'_>, n: usize, f: impl Fn(Option<Num>) -> Option<Num>) -> Values<'a> {
    match v {
        Values::ConstNum(c) => Values::ConstNum(f(*c)),
        _ => Values::Num((0..n).map(|i| f(v.num_at(i))).collect()),
    }
}

/// The rows where the rule is TRUE.
pub fn flagged(node: &Node, table: &Table, params: &dyn ParamSource) -> Vec<u32> {
    match eval(node, table, params) {
        Values::Bool(v) => v
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == Some(true))
            .map(|(i, _)| u32::try_from(i).unwrap_or(u32::MAX))
            .collect(),
        Values::ConstBool(Some(true)) => (0..table.rows)
            .map(|i| u32::try_from(i).unwrap_or(u32::MAX))
            .collect(),
        _ => Vec::new(),
    }
}

/// Evaluates one node for one row (evidence text); the same semantics as [`eval`].
pub fn eval_row(node: &Node, table: &Table, params: &dyn ParamSource, row: usize) -> Scalar {
    match node {
        Node::Num(x) => Scalar::Num(Some(*x)),
        Node::Bool(b) => Scalar::Bool(Some(*b)),
        Node::Null => Scalar::Num(None),
        Node::Param(k) => Scalar::Num(Some(params.value(*k))),
        Node::Feature(f) => match table.column(*f) {
            Column::Bool(v) => Scalar::Bool(v[row]),
            Column::Num(v) => Scalar::Num(v[row]),
        },
        _ => {
            // Small and rare (only flagged households): evaluate through a one-row view.
            let one = table.row_view(row);
            match eval(node, &one, params) {
                Values::Bool(v) => Scalar::Bool(v[0]),
                Values::ConstBool(c) => Scalar::Bool(c),
                Values::Num(v) => Scalar::Num(v[0]),
                Values::ConstNum(c) => Scalar::Num(c),
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    Bool(Option<bool>),
    Num(Option<Num>),
}
