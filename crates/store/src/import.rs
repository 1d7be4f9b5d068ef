//! Whole-household upsert for roster imports: one transaction, batched statements, an audit row
//! for every household or member that changed, nothing for what did not.

use std::collections::HashMap;

use serde_json::{Value, json};
use sqlx::{Any, Row, Transaction};
use zhenxing_domain::{CodeEnum, Household, IncomeRecord, Member};

use crate::audit::{audit_insert, diff};
use crate::households::{
    Arg, HOUSEHOLD_COLUMNS, MEMBER_INSERT_COLUMNS, Query, bool_arg, household_view, income_view,
    load_details, member_args, member_view, refresh_head, update_household_row,
};
use crate::sql::{Backend, SqlStore, now_text};
use crate::{Actor, HouseholdDetail, ImportSummary, Result, StoreError};

/// Households per round trip: large enough to amortise statements, small enough for parameter limits.
const CHUNK: usize = 400;
const MEMBER_INSERT_WIDTH: usize = 23;

impl SqlStore {
    pub(crate) async fn households_import_impl(
        &self,
        actor: &Actor,
        households: Vec<Household>,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<ImportSummary> {
        if let Some(h) = households
            .iter()
            .find(|h| !actor.scope.contains(&h.village))
        {
            return Err(StoreError::Invalid(format!(
                "户编号 {} 所属村不在您的管辖范围内",
                h.household_no
            )));
        }
        let mut summary = ImportSummary::default();
        let mut tx = self.pool.begin().await?;
        let mut done = 0u64;
        for chunk in households.chunks(CHUNK) {
            let existing = load_existing(&mut tx, self.backend, chunk).await?;
            let mut new = Vec::new();
            for h in chunk {
                summary.members_total += h.members.len() as u64;
                match existing.get(&h.household_no) {
                    None => new.push(h),
                    Some(current) => {
                        if !actor.scope.contains(&current.household.village) {
                            return Err(StoreError::Invalid(format!(
                                "户编号 {} 已属于您管辖范围以外的村，不能导入",
                                h.household_no
                            )));
                        }
                        update_household(&mut tx, self.backend, actor, current, h, &mut summary)
                            .await?;
                    }
                }
            }
            insert_households(&mut tx, self.backend, actor, &new).await?;
            summary.households_created += new.len() as u64;
            summary.members_created += new.iter().map(|h| h.members.len() as u64).sum::<u64>();
            done += chunk.len() as u64;
            progress(done);
        }
        tx.commit().await?;
        Ok(summary)
    }
}

async fn load_existing(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    chunk: &[Household],
) -> Result<HashMap<String, HouseholdDetail>> {
    let list = backend.placeholders(chunk.len());
    let sql = format!(
        "SELECT {HOUSEHOLD_COLUMNS} FROM households h JOIN divisions d ON d.code = h.village_code WHERE h.household_no IN ({list})"
    );
    let mut q = sqlx::query(&sql);
    for h in chunk {
        q = q.bind(h.household_no.clone());
    }
    let rows = q.fetch_all(&mut **tx).await?;
    if rows.is_empty() {
        return Ok(HashMap::new());
    }
    let details = load_details(&mut *tx, backend, rows).await?;
    Ok(details
        .into_iter()
        .map(|d| (d.household.household_no.clone(), d))
        .collect())
}

fn created_view(h: &Household) -> Value {
    let mut v = household_view(h);
    v.insert("size".into(), json!(h.members.len().to_string()));
    if let Some(head) = h.head() {
        v.insert("name".into(), json!(head.name));
    }
    Value::Object(v)
}

async fn insert_households(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    actor: &Actor,
    new: &[&Household],
) -> Result<()> {
    let max_params = backend.max_params();
    if new.is_empty() {
        return Ok(());
    }
    let now = now_text();
    let mut q = Query::new(
        backend,
        "INSERT INTO households (household_no, village_code, group_no, kind, monitoring_category, phone, house_safe, water_safe, farmland_centimu, size, head_name, head_id_number, version, created_at, updated_at) VALUES ",
    );
    for h in new {
        let head = h.head();
        let values = [
            Arg::Text(h.household_no.clone()),
            Arg::Text(h.village.as_str().to_string()),
            Arg::OptInt(h.group.map(i64::from)),
            Arg::Text(h.kind.code().to_string()),
            Arg::OptText(h.monitoring_category.map(|c| c.code().to_string())),
            Arg::OptText(h.phone.clone()),
            bool_arg(h.house_safe),
            bool_arg(h.water_safe),
            Arg::OptInt(h.farmland_centimu),
            Arg::Int(h.members.len() as i64),
            Arg::OptText(head.map(|m| m.name.clone())),
            Arg::OptText(head.map(|m| m.id_number.as_stored())),
        ];
        q.push_row(values.into_iter().chain(new_row_stamp(&now)));
    }
    q.sql.push_str(" RETURNING id, household_no");
    let mut ids = HashMap::with_capacity(new.len());
    for r in q.build().fetch_all(&mut **tx).await? {
        ids.insert(
            r.try_get::<String, _>("household_no")?,
            r.try_get::<i64, _>("id")?,
        );
    }
    let id_of = |h: &Household| {
        ids.get(&h.household_no)
            .copied()
            .ok_or_else(|| StoreError::Corrupt("insert returned no id".into()))
    };

    let mut members: Vec<(i64, usize, &Member)> = Vec::new();
    let mut incomes: Vec<(i64, &IncomeRecord)> = Vec::new();
    for h in new {
        let id = id_of(h)?;
        members.extend(h.members.iter().enumerate().map(|(p, m)| (id, p, m)));
        incomes.extend(h.incomes.iter().map(|i| (id, i)));
    }
    for batch in members.chunks(max_params / MEMBER_INSERT_WIDTH) {
        insert_members(tx, backend, batch, &now).await?;
    }
    for batch in incomes.chunks(max_params / 10) {
        insert_incomes(tx, backend, batch, &now).await?;
    }
    let audits: Vec<(&str, Value)> = new
        .iter()
        .map(|h| (h.household_no.as_str(), created_view(h)))
        .collect();
    for batch in audits.chunks(max_params / 9) {
        let mut q = Query::new(
            backend,
            "INSERT INTO audit_log (at, actor, actor_id, action, entity, entity_key, household_no, before_json, after_json) VALUES ",
        );
        for (no, view) in batch {
            q.push_row([
                Arg::Text(now.clone()),
                Arg::Text(actor.username.clone()),
                Arg::OptInt(actor.user_id),
                Arg::Text("import_create".into()),
                Arg::Text("household".into()),
                Arg::Text((*no).to_string()),
                Arg::Text((*no).to_string()),
                Arg::OptText(None),
                Arg::Text(view.to_string()),
            ]);
        }
        q.build().execute(&mut **tx).await?;
    }
    Ok(())
}

async fn insert_members(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    batch: &[(i64, usize, &Member)],
    now: &str,
) -> Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let mut q = Query::new(
        backend,
        &format!("INSERT INTO members ({MEMBER_INSERT_COLUMNS}) VALUES "),
    );
    for (hid, pos, m) in batch {
        let key = [Arg::Int(*hid), Arg::Int(*pos as i64)];
        q.push_row(
            key.into_iter()
                .chain(member_args(m))
                .chain(new_row_stamp(now)),
        );
    }
    q.build()
        .execute(&mut **tx)
        .await
        .map_err(unique_to_conflict)?;
    Ok(())
}

async fn insert_incomes(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    batch: &[(i64, &IncomeRecord)],
    now: &str,
) -> Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let mut q = Query::new(
        backend,
        "INSERT INTO incomes (household_id, year, wage_income, business_income, property_income, transfer_income, business_expense, version, created_at, updated_at) VALUES ",
    );
    for (hid, r) in batch {
        let values = [
            Arg::Int(*hid),
            Arg::Int(i64::from(r.year)),
            Arg::Int(r.wage_income.fen()),
            Arg::Int(r.business_income.fen()),
            Arg::Int(r.property_income.fen()),
            Arg::Int(r.transfer_income.fen()),
            Arg::Int(r.business_expense.fen()),
        ];
        q.push_row(values.into_iter().chain(new_row_stamp(now)));
    }
    q.build().execute(&mut **tx).await?;
    Ok(())
}

/// `version, created_at, updated_at` of a freshly inserted row.
fn new_row_stamp(now: &str) -> [Arg; 3] {
    [
        Arg::Int(1),
        Arg::Text(now.to_string()),
        Arg::Text(now.to_string()),
    ]
}

/// A member's ID already held elsewhere surfaces as a conflict the user can act on.
fn unique_to_conflict(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            StoreError::Conflict("导入的证件号码已是其他农户的成员（迁移须单独办理）".into())
        }
        _ => StoreError::Database(e),
    }
}

/// Brings one stored household to the state of the file: changed columns, members and income years.
async fn update_household(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    actor: &Actor,
    current: &HouseholdDetail,
    new: &Household,
    summary: &mut ImportSummary,
) -> Result<()> {
    let no = new.household_no.as_str();
    let mut changed = false;
    if let Some((before, after)) = diff(&household_view(&current.household), &household_view(new)) {
        update_household_row(tx, current.key, new).await?;
        if current.household.village != new.village {
            // Cases and warnings are scoped by a copy of the household's village.
            for table in ["cases", "warnings"] {
                sqlx::query(&format!(
                    "UPDATE {table} SET village_code = $1 WHERE household_id = $2"
                ))
                .bind(new.village.as_str().to_string())
                .bind(current.key.id)
                .execute(&mut **tx)
                .await?;
            }
        }
        audit_insert(
            tx,
            actor,
            "import_update",
            "household",
            no,
            Some(no),
            Some(before),
            Some(after),
        )
        .await?;
        changed = true;
    }

    let mut stored: HashMap<&str, (usize, &Member)> = current
        .household
        .members
        .iter()
        .enumerate()
        .map(|(i, m)| (m.id_number.base(), (i, m)))
        .collect();
    let now = now_text();
    let mut members_changed = false;
    for (pos, m) in new.members.iter().enumerate() {
        match stored.remove(m.id_number.base()) {
            Some((i, old)) => {
                let key = current.member_keys[i];
                let view_diff = diff(&member_view(old), &member_view(m));
                if view_diff.is_none() && i == pos {
                    continue;
                }
                let mut args = member_args(m);
                args.extend([
                    Arg::Int(pos as i64),
                    Arg::Text(now.clone()),
                    Arg::Int(key.id),
                    Arg::Int(key.version),
                ]);
                // Fixed `$n` text: few parameters, so named placeholders are fine on both backends.
                let q = Query {
                    backend,
                    sql: "UPDATE members SET name = $1, id_number = $2, id_base = $3, relation = $4, sex = $5, birth_date = $6, ethnicity = $7, education = $8, \
                          schooling = $9, health = $10, disability_grade = $11, labour = $12, work_months = $13, medical_insured = $14, pension_insured = $15, \
                          dibao = $16, tekun = $17, phone = $18, position = $19, version = version + 1, updated_at = $20 WHERE id = $21 AND version = $22"
                        .to_string(),
                    args,
                };
                if q.build().execute(&mut **tx).await?.rows_affected() == 0 {
                    return Err(crate::households::conflict());
                }
                if let Some((before, after)) = view_diff {
                    let entity_key = format!("{} {}", m.name, m.id_number.masked());
                    audit_insert(
                        tx,
                        actor,
                        "import_update",
                        "member",
                        &entity_key,
                        Some(no),
                        Some(before),
                        Some(after),
                    )
                    .await?;
                    summary.members_updated += 1;
                }
                members_changed = true;
            }
            None => {
                insert_members(tx, backend, &[(current.key.id, pos, m)], &now).await?;
                let entity_key = format!("{} {}", m.name, m.id_number.masked());
                audit_insert(
                    tx,
                    actor,
                    "import_create",
                    "member",
                    &entity_key,
                    Some(no),
                    None,
                    Some(Value::Object(member_view(m))),
                )
                .await?;
                summary.members_created += 1;
                members_changed = true;
            }
        }
    }
    for (i, old) in stored.into_values() {
        sqlx::query("DELETE FROM members WHERE id = $1")
            .bind(current.member_keys[i].id)
            .execute(&mut **tx)
            .await?;
        let entity_key = format!("{} {}", old.name, old.id_number.masked());
        audit_insert(
            tx,
            actor,
            "import_remove",
            "member",
            &entity_key,
            Some(no),
            Some(Value::Object(member_view(old))),
            None,
        )
        .await?;
        summary.members_removed += 1;
        members_changed = true;
    }
    if members_changed {
        refresh_head(tx, current.key.id).await?;
        changed = true;
    }

    for income in &new.incomes {
        match current
            .household
            .incomes
            .iter()
            .find(|i| i.year == income.year)
        {
            Some(old) if old == income => {}
            Some(old) => {
                sqlx::query(
                    "UPDATE incomes SET wage_income = $1, business_income = $2, property_income = $3, transfer_income = $4, business_expense = $5, \
                     version = version + 1, updated_at = $6 WHERE household_id = $7 AND year = $8",
                )
                .bind(income.wage_income.fen())
                .bind(income.business_income.fen())
                .bind(income.property_income.fen())
                .bind(income.transfer_income.fen())
                .bind(income.business_expense.fen())
                .bind(now.clone())
                .bind(current.key.id)
                .bind(i64::from(income.year))
                .execute(&mut **tx)
                .await?;
                if let Some((before, after)) = diff(&income_view(old), &income_view(income)) {
                    audit_insert(
                        tx,
                        actor,
                        "import_update",
                        "income",
                        &income.year.to_string(),
                        Some(no),
                        Some(before),
                        Some(after),
                    )
                    .await?;
                }
                changed = true;
            }
            None => {
                insert_incomes(tx, backend, &[(current.key.id, income)], &now).await?;
                audit_insert(
                    tx,
                    actor,
                    "import_create",
                    "income",
                    &income.year.to_string(),
                    Some(no),
                    None,
                    Some(Value::Object(income_view(income))),
                )
                .await?;
                changed = true;
            }
        }
    }
    if changed {
        summary.households_updated += 1;
    } else {
        summary.households_unchanged += 1;
    }
    Ok(())
}
