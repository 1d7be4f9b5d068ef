//! Chinese names: weighted surnames and given names from pools that fit the year of birth.

use rand::Rng;

/// The 100 common surnames with weights (roughly national frequency, tilted towards names common in
/// 重庆 such as 陈 刘 罗 周 唐 谭 彭 邓 曾 蒋 何 廖 熊 袁 龚).
const SURNAMES: [(&str, u32); 100] = [
    ("王", 650),
    ("李", 700),
    ("张", 600),
    ("刘", 640),
    ("陈", 620),
    ("杨", 330),
    ("赵", 170),
    ("黄", 200),
    ("周", 230),
    ("吴", 170),
    ("徐", 120),
    ("孙", 100),
    ("胡", 130),
    ("朱", 110),
    ("高", 90),
    ("林", 80),
    ("何", 150),
    ("郭", 80),
    ("马", 80),
    ("罗", 170),
    ("梁", 70),
    ("宋", 60),
    ("郑", 60),
    ("谢", 70),
    ("韩", 50),
    ("唐", 130),
    ("冯", 55),
    ("于", 35),
    ("董", 50),
    ("萧", 55),
    ("程", 45),
    ("曹", 45),
    ("袁", 75),
    ("邓", 80),
    ("许", 40),
    ("傅", 40),
    ("沈", 35),
    ("曾", 75),
    ("彭", 80),
    ("吕", 35),
    ("苏", 35),
    ("卢", 35),
    ("蒋", 70),
    ("蔡", 35),
    ("贾", 25),
    ("丁", 30),
    ("魏", 30),
    ("薛", 25),
    ("叶", 30),
    ("阎", 20),
    ("余", 45),
    ("潘", 28),
    ("杜", 35),
    ("戴", 25),
    ("夏", 30),
    ("钟", 30),
    ("汪", 25),
    ("田", 35),
    ("任", 30),
    ("姜", 22),
    ("范", 25),
    ("方", 22),
    ("石", 30),
    ("姚", 22),
    ("谭", 70),
    ("廖", 50),
    ("邹", 30),
    ("熊", 45),
    ("金", 15),
    ("陆", 18),
    ("郝", 15),
    ("孔", 15),
    ("白", 18),
    ("崔", 15),
    ("康", 18),
    ("毛", 22),
    ("邱", 22),
    ("秦", 22),
    ("江", 20),
    ("史", 15),
    ("顾", 12),
    ("侯", 18),
    ("邵", 15),
    ("孟", 12),
    ("龙", 25),
    ("万", 20),
    ("段", 18),
    ("雷", 25),
    ("钱", 12),
    ("汤", 18),
    ("尹", 15),
    ("黎", 18),
    ("易", 20),
    ("常", 12),
    ("武", 12),
    ("乔", 10),
    ("贺", 20),
    ("赖", 15),
    ("龚", 35),
    ("文", 25),
];

/// Cumulative surname weights, built once per generator.
pub(crate) struct Surnames {
    cumulative: [u32; 100],
}

impl Surnames {
    pub(crate) fn new() -> Self {
        let mut cumulative = [0; 100];
        let mut sum = 0;
        for (c, (_, w)) in cumulative.iter_mut().zip(SURNAMES) {
            sum += w;
            *c = sum;
        }
        Surnames { cumulative }
    }

    /// Index of a surname drawn by weight.
    pub(crate) fn draw(&self, rng: &mut impl Rng) -> u8 {
        let total = self.cumulative[99];
        let x = rng.random_range(0..total);
        // ≤ 99, so the cast is exact.
        self.cumulative.partition_point(|&c| c <= x) as u8
    }

    /// A surname other than `not` (spouses and in-laws come from other families).
    pub(crate) fn draw_other(&self, rng: &mut impl Rng, not: u8) -> u8 {
        for _ in 0..4 {
            let s = self.draw(rng);
            if s != not {
                return s;
            }
        }
        (not + 1) % 100
    }
}

pub(crate) fn surname(index: u8) -> &'static str {
    SURNAMES[usize::from(index)].0
}

/// Given-name pools of one generation and sex. Every pool is a string of 3-byte (BMP CJK) characters.
struct Pool {
    /// Share of one-character given names, in per cent.
    single_pct: u32,
    single: &'static str,
    first: &'static str,
    second: &'static str,
}

/// Pools by era of birth: before 1955, 1955–79, 1980–99, 2000–09, from 2010; male then female.
const POOLS: [[Pool; 2]; 5] = [
    [
        Pool {
            single_pct: 15,
            single: "明华成福贵林山才荣发清全",
            first: "德明国正文志光永开世天洪树金长兴顺仁义成海登绍",
            second: "华明清才成富贵福全荣安和林山云发元中生友祥春章",
        },
        Pool {
            single_pct: 15,
            single: "英兰珍芬秀梅菊琼",
            first: "秀桂玉淑素翠凤春金银兰菊德群",
            second: "英兰珍芬华芳梅琼群莲香凤秀清碧",
        },
    ],
    [
        Pool {
            single_pct: 35,
            single: "伟勇军强平刚斌兵波华林明杰涛洪",
            first: "建国志文明永光德红卫小学俊家世云",
            second: "国华军平强明林伟勇刚兵波斌忠民东江",
        },
        Pool {
            single_pct: 35,
            single: "丽芳敏静燕艳霞娟红琴梅英玲萍琼",
            first: "秀小丽晓红春玉美桂永翠淑德",
            second: "英兰琴芳华梅红霞萍燕容珍莲",
        },
    ],
    [
        Pool {
            single_pct: 40,
            single: "伟杰涛鹏超磊浩勇军强鑫洋龙亮江",
            first: "小俊志家晓文建明海永宇子成",
            second: "伟军平强明林杰涛鹏飞龙波超勇东峰",
        },
        Pool {
            single_pct: 40,
            single: "丽婷燕娟霞琴敏静莉倩丹雪芳艳玲",
            first: "小晓丽春雪玉美红秋思金",
            second: "燕丽琴梅红霞玲芳娟莉婷兰琼敏",
        },
    ],
    [
        Pool {
            single_pct: 25,
            single: "浩鑫宇杰俊磊涛鹏凯阳帅龙洋博亮",
            first: "俊子宇浩家志佳嘉思文一",
            second: "杰豪轩宇浩鑫涛航博文阳林凯",
        },
        Pool {
            single_pct: 25,
            single: "婷雪丹倩佳琳欣悦莉洁雨敏萍静娇",
            first: "雨思佳雪欣梦诗晓紫玉美",
            second: "婷雪琪涵怡欣悦妍萱瑶琳倩洁",
        },
    ],
    [
        Pool {
            single_pct: 10,
            single: "睿轩昊哲宸浩泽铭瑞晨航博",
            first: "子梓宇浩俊一睿皓铭思嘉奕沐",
            second: "轩豪辰宇涵睿泽铭航然熙瑞晨",
        },
        Pool {
            single_pct: 10,
            single: "萱涵瑶琪悦彤妍可欣诺晴玥",
            first: "梓欣诗子一雨思可语紫若佳依",
            second: "涵怡萱琪诺彤菲萌欣悦瑶桐晴",
        },
    ],
];

fn era(birth_year: i32) -> usize {
    match birth_year {
        ..1955 => 0,
        1955..1980 => 1,
        1980..2000 => 2,
        2000..2010 => 3,
        _ => 4,
    }
}

fn pick(rng: &mut impl Rng, pool: &'static str) -> &'static str {
    let n = pool.len() / 3;
    // n is a few dozen at most.
    let i = rng.random_range(0..n as u32) as usize * 3;
    &pool[i..i + 3]
}

/// Appends a given name fitting the birth year and sex to `out`.
pub(crate) fn push_given_name(out: &mut String, rng: &mut impl Rng, birth_year: i32, male: bool) {
    let pool = &POOLS[era(birth_year)][usize::from(!male)];
    if rng.random_range(0..100) < pool.single_pct {
        out.push_str(pick(rng, pool.single));
    } else {
        out.push_str(pick(rng, pool.first));
        let mut second = pick(rng, pool.second);
        // Avoid 明明-style doubles unless the pool means them.
        if out.ends_with(second) {
            second = pick(rng, pool.second);
        }
        out.push_str(second);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn every_pool_holds_only_three_byte_characters() {
        for pair in &POOLS {
            for p in pair {
                for s in [p.single, p.first, p.second] {
                    assert_eq!(s.len(), s.chars().count() * 3, "{s}");
                }
            }
        }
        assert!(
            SURNAMES
                .iter()
                .all(|(s, w)| s.chars().count() == 1 && *w > 0)
        );
    }

    #[test]
    fn common_surnames_are_drawn_more_often() {
        let s = Surnames::new();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut counts = [0u32; 100];
        for _ in 0..50_000 {
            counts[usize::from(s.draw(&mut rng))] += 1;
        }
        assert!(
            counts[1] > counts[99] * 10,
            "李 {} vs 文 {}",
            counts[1],
            counts[99]
        );
        assert!(counts.iter().all(|&c| c > 0));
        assert_ne!(s.draw_other(&mut rng, 3), 3);
    }

    #[test]
    fn names_fit_the_generation() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        for (year, male) in [
            (1940, true),
            (1970, false),
            (1990, true),
            (2005, false),
            (2018, true),
        ] {
            let mut name = String::from(surname(0));
            push_given_name(&mut name, &mut rng, year, male);
            let n = name.chars().count();
            assert!((2..=3).contains(&n), "{name}");
        }
    }
}
