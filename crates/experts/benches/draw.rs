//! A draw from a pool of 100,000 experts with 200 excluded employers (tenderer, agency and 198
//! bidders): avoidance screening of the whole pool, canonical snapshot digest, and the seeded
//! selection of 7 members and 2 backups. Pure functions only (no database).
//!
//! `cargo bench -p ggzy-experts --bench draw` prints p50/p99 over 200 timed draws first, then the
//! criterion statistics.
#![allow(clippy::unwrap_used)] // Benchmark code: a failed unwrap is a failed run.

use chrono::{NaiveDate, TimeZone, Utc};
use criterion::{black_box, criterion_group, Criterion};
use ggzy_core::ident::{ResidentId, Uscc};
use ggzy_experts::draw::{
    self, Assignment, Candidate, DrawParties, PoolRules, SpecialtyCount, Status, Title,
};
use std::time::{Duration, Instant};

const POOL: u32 = 100_000;
const EMPLOYERS: u32 = 20_000;
const EXCLUDED_EMPLOYERS: u32 = 200;

fn uscc(n: u32) -> String {
    Uscc::with_check(&format!("91210200{n:09}"))
        .map(|u| u.as_str().to_string())
        .unwrap_or_default()
}

fn pool() -> (Vec<Candidate>, DrawParties) {
    let employers: Vec<String> = (0..EMPLOYERS).map(uscc).collect();
    let rids: Vec<ResidentId> = (0..1000u32)
        .filter_map(|i| ResidentId::with_check(&format!("21020219{:02}0101{:03}", 50 + i % 40, i)))
        .collect();
    let at = |d: u32, h: u32| {
        Utc.with_ymd_and_hms(2026, 3, d, h, 0, 0)
            .single()
            .unwrap_or_default()
    };
    let specialties = ["A08.02", "A08.03", "B02", "C01.01", "C01.02"];
    let pool = (0..POOL)
        .map(|i| {
            let s = specialties[(i % 5) as usize];
            Candidate {
                id: format!("e{i:06}"),
                resident_id: rids[(i as usize) % rids.len()].clone(),
                employer_uscc: employers[(i % EMPLOYERS) as usize].clone(),
                specialties: vec![s.to_string(), "Z99".to_string()],
                title: if i % 10 == 0 {
                    Title::Intermediate
                } else {
                    Title::Senior
                },
                years: 5 + (i % 20) as i64,
                status: if i % 97 == 0 {
                    Status::Suspended {
                        from: None,
                        until: None,
                    }
                } else {
                    Status::Active
                },
                conflicts: if i % 50 == 0 {
                    vec![employers[7].clone()]
                } else {
                    vec![]
                },
                leaves: if i % 31 == 0 {
                    vec![(at(20, 0), at(21, 0))]
                } else {
                    vec![]
                },
                assignments: if i % 13 == 0 {
                    vec![Assignment {
                        draw_id: format!("d{i}"),
                        tenderer_uscc: employers[0].clone(),
                        session_start: at(20, 1),
                        session_end: at(20, 9),
                        drawn_at: at(1, 0),
                    }]
                } else {
                    vec![]
                },
                procurement_pool: true,
                relations: vec![],
            }
        })
        .collect();
    let parties = DrawParties {
        tenderer_uscc: employers[0].clone(),
        agency_uscc: Some(employers[1].clone()),
        bidder_usccs: employers[2..EXCLUDED_EMPLOYERS as usize].to_vec(),
        session_start: at(20, 1),
        session_end: at(20, 9),
        now: at(2, 1),
        today: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default(),
        procurement: false,
        market: None,
    };
    (pool, parties)
}

fn request() -> Vec<SpecialtyCount> {
    vec![
        SpecialtyCount {
            specialty: "A08.02".into(),
            count: 4,
            backups: 1,
        },
        SpecialtyCount {
            specialty: "B02".into(),
            count: 3,
            backups: 1,
        },
    ]
}

fn one_draw(pool: &[Candidate], parties: &DrawParties, seed: [u8; 32]) -> usize {
    let (snapshot, excluded) = draw::screen(pool, parties, &PoolRules::default());
    let digest = draw::snapshot_digest(&snapshot);
    let c = draw::select(seed, &snapshot, &request())
        .map(|c| c.members.len())
        .unwrap_or(0);
    black_box(digest);
    c + excluded.len()
}

fn percentiles(pool: &[Candidate], parties: &DrawParties) {
    let mut times: Vec<Duration> = (0..200u32)
        .map(|i| {
            let mut seed = [0u8; 32];
            seed[..4].copy_from_slice(&i.to_le_bytes());
            let t = Instant::now();
            black_box(one_draw(pool, parties, seed));
            t.elapsed()
        })
        .collect();
    times.sort();
    let median = |f: &mut dyn FnMut()| {
        let mut t: Vec<Duration> = (0..21)
            .map(|_| {
                let s = Instant::now();
                f();
                s.elapsed()
            })
            .collect();
        t.sort();
        t[10].as_secs_f64() * 1e3
    };
    let (snapshot, excluded) = draw::screen(pool, parties, &PoolRules::default());
    let screen_ms = median(&mut || {
        black_box(draw::screen(pool, parties, &PoolRules::default()));
    });
    let digest_ms = median(&mut || {
        black_box(draw::snapshot_digest(&snapshot));
    });
    let select_ms = median(&mut || {
        black_box(draw::select([7u8; 32], &snapshot, &request()).ok());
    });
    println!(
        "  medians: screen (avoidance) {screen_ms:.1} ms, snapshot digest {digest_ms:.1} ms, select {select_ms:.1} ms"
    );
    println!(
        "draw over {POOL} experts ({} eligible, {} excluded, {EXCLUDED_EMPLOYERS} excluded employers): \
         p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (200 draws)",
        snapshot.len(),
        excluded.len(),
        times[99].as_secs_f64() * 1e3,
        times[197].as_secs_f64() * 1e3,
        times[199].as_secs_f64() * 1e3,
    );
}

fn bench(c: &mut Criterion) {
    let (pool, parties) = pool();
    percentiles(&pool, &parties);
    let mut g = c.benchmark_group("draw");
    g.sample_size(20);
    g.bench_function("screen+select 100k pool, 200 excluded employers", |b| {
        let mut i = 0u32;
        b.iter(|| {
            i += 1;
            let mut seed = [0u8; 32];
            seed[..4].copy_from_slice(&i.to_le_bytes());
            one_draw(&pool, &parties, seed)
        })
    });
    g.bench_function("select only (snapshot given)", |b| {
        let (snapshot, _) = draw::screen(&pool, &parties, &PoolRules::default());
        let mut i = 0u32;
        b.iter(|| {
            i += 1;
            let mut seed = [0u8; 32];
            seed[..4].copy_from_slice(&i.to_le_bytes());
            draw::select(seed, &snapshot, &request()).map(|c| c.members.len())
        })
    });
    g.finish();
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
