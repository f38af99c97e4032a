//! `make bench`: how long generating a school's timetable takes (R-SCH-3), on the real 2020 TV
//! grid: the 33-class school (grades 1–11, three letters, both languages) and the small school
//! in shifts, each generated `--runs` times; prints min/median/max and the peak memory.

use std::time::Instant;

use clap::Parser;
use qashyq_e2e::school_fixture::{first_week_2020, school_of_33, small_school_in_shifts};
use qashyq_schedule::domain::timetable::{School, TvWeek, rules::check, solver::generate};

#[derive(Parser)]
struct Args {
    #[arg(long, default_value_t = 20)]
    runs: usize,
}

fn measure(label: &str, school: &School, tv: &TvWeek, runs: usize) {
    let mut times = Vec::with_capacity(runs);
    let mut lessons = 0;
    for _ in 0..runs {
        let started = Instant::now();
        let timetable = generate(school, tv).expect("the bench schools have timetables");
        times.push(started.elapsed());
        lessons = timetable.lessons.len();
        assert!(check(school, tv, &timetable).is_empty(), "a generated timetable keeps every rule");
    }
    times.sort();
    println!(
        "{label}: {} classes, {} teachers, {lessons} own lessons: generation min {:.1} ms, median {:.1} ms, max {:.1} ms over {runs} runs",
        school.classes.len(),
        school.teachers.len(),
        times[0].as_secs_f64() * 1e3,
        times[runs / 2].as_secs_f64() * 1e3,
        times[runs - 1].as_secs_f64() * 1e3,
    );
}

fn main() {
    let args = Args::parse();
    let tv = first_week_2020();
    measure("school of 33 classes", &school_of_33(&tv), &tv, args.runs.max(1));
    measure("small school in shifts", &small_school_in_shifts(&tv), &tv, args.runs.max(1));
    let peak = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM")).map(|l| l.split_whitespace().nth(1).unwrap_or("?").to_owned()))
        .unwrap_or_else(|| "?".into());
    println!("timetable bench peak RSS (VmHWM): {peak} KiB");
}
