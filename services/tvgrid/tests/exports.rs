//! R-TV-7: the exports pass independent checkers. XMLTV is validated against the XMLTV DTD by
//! Debian's `tv_validate_file` (offline); iCalendar is parsed by Python's `icalendar` library and
//! its times checked for 2020 (UTC+6) and 2026 (UTC+5). Both tools are installed by
//! scripts/ensure-tools.sh (`make tools`).

use std::{path::PathBuf, process::Command};

use chrono::{NaiveDate, TimeZone, Utc};
use qashyq_catalogue::{Grade, Language};
use qashyq_tvgrid::domain::{
    export::{Programme, ical, xmltv},
    placement::{AirWindow, Campaign, place},
    sources::{read_grid, spring_2020},
};

/// The airings as programmes of one publication, without assets.
fn programmes(airings: &[qashyq_tvgrid::domain::placement::Airing], publication: i64) -> Vec<Programme<'_>> {
    airings.iter().map(|airing| Programme { airing, publication, topic: "", teacher_name: "" }).collect()
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn campaign(first: NaiveDate, last: NaiveDate) -> Campaign {
    let mut campaign = Campaign::read(spring_2020::CAMPAIGN).unwrap();
    campaign.first_day = first;
    campaign.last_day = last;
    campaign
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn temp_file(name: &str, contents: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("qashyq-exports-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

fn tv_validate_file(path: &PathBuf) -> std::process::Output {
    Command::new("tv_validate_file")
        .env("XMLTV_SUPPLEMENT", "/usr/share/xmltv")
        .arg(path)
        .output()
        .expect("tv_validate_file is installed by scripts/ensure-tools.sh (make tools)")
}

#[test]
fn r_tv_7_xmltv_of_the_2020_campaign_passes_tv_validate_file() {
    let grid = read_grid(spring_2020::GRID).unwrap();
    let airings = place(&grid, &Campaign::read(spring_2020::CAMPAIGN).unwrap(), &AirWindow::TV_LESSONS).unwrap();
    let mut programmes = programmes(&airings, 1);
    // A lesson with a scheduled asset also names its topic and teacher (R-TV-3), text escaped.
    programmes[0].topic = "Дыбыстар & әріптер <1>";
    programmes[0].teacher_name = "Айгүл Серікқызы Нұрланова";
    let document = xmltv::render(&programmes, &["balapan.kz", "elarna.kz"]);
    assert!(document.contains("<sub-title lang=\"kk\">Дыбыстар &amp; әріптер &lt;1&gt;</sub-title>"));
    assert!(document.contains("<presenter>Айгүл Серікқызы Нұрланова</presenter>"));
    assert!(document.contains("<programme start=\"20200406090000 +0600\" stop=\"20200406091000 +0600\" channel=\"balapan.kz\">"));
    assert!(document.contains("<title lang=\"kk\">1-сынып. Сауат ашу</title>"));
    assert!(document.contains("<title lang=\"ru\">1 класс. Обучение грамоте</title>"));
    assert_eq!(document.matches("<programme ").count(), 2190, "every TV lesson of the campaign");

    let path = temp_file("campaign.xml", &document);
    let output = tv_validate_file(&path);
    assert!(output.status.success(), "{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));

    // The checker does reject what is not XMLTV.
    let broken = temp_file("broken.xml", &document.replace("<title lang=\"kk\">", "<name lang=\"kk\">").replace("</title>", "</name>"));
    assert!(!tv_validate_file(&broken).status.success());
}

/// Parses an iCalendar file with Python's `icalendar` and prints `UID|DTSTART(UTC)|SEQUENCE|SUMMARY` per event.
fn parse_with_python_icalendar(path: &PathBuf) -> Vec<String> {
    let python = repo().join(".tools/venv/bin/python");
    let script = "import sys, icalendar\n\
                  cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())\n\
                  for e in cal.walk('VEVENT'):\n    \
                      print(f\"{e['UID']}|{e.decoded('DTSTART').isoformat()}|{e['SEQUENCE']}|{e['SUMMARY']}\")\n";
    let output = Command::new(&python).arg("-c").arg(script).arg(path).output().expect("run make tools first (.tools/venv)");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap().lines().map(str::to_owned).collect()
}

#[test]
fn r_tv_7_icalendar_parses_independently_with_the_right_times_in_2020_and_2026() {
    let grid = read_grid(spring_2020::GRID).unwrap();
    let grade5 = Grade::new(5).unwrap();
    // 10:50 local is 04:50 UTC at UTC+6 (2020) and 05:50 UTC at UTC+5 (since March 2024).
    for (day, first_utc) in [(date(2020, 4, 6), "2020-04-06T04:50:00+00:00"), (date(2026, 11, 23), "2026-11-23T05:50:00+00:00")] {
        let airings = place(&grid, &campaign(day, day), &AirWindow::TV_LESSONS).unwrap();
        let calendar = ical::render(&programmes(&airings, 3), Language::Kk, grade5, Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap());
        let events = parse_with_python_icalendar(&temp_file(&format!("g5-{day}.ics"), &calendar));
        assert_eq!(events.len(), 3, "Kazakh-medium grade 5 has three lessons on Mondays: {events:?}");
        // Grade 5 follows grades 1–4 (2+3+3+3 lessons): its first lesson starts at 10:50 local.
        assert!(events[0].contains(first_utc), "{}", events[0]);
        assert_eq!(events[0].split('|').next().unwrap(), format!("{day}-kk-g5-l1@tvgrid.qashyq.kz"));
        assert!(events[0].ends_with("|3|5-сынып. Қазақ тілі"), "{}", events[0]);
    }
}

#[test]
fn r_tv_7_uids_are_stable_and_sequence_carries_the_publication() {
    let grid = read_grid(spring_2020::GRID).unwrap();
    let airings = place(&grid, &campaign(date(2020, 4, 6), date(2020, 4, 10)), &AirWindow::TV_LESSONS).unwrap();
    let at = Utc.with_ymd_and_hms(2020, 4, 1, 0, 0, 0).unwrap();
    let v1 = ical::render(&programmes(&airings, 1), Language::Ru, Grade::new(1).unwrap(), at);
    let v2 = ical::render(&programmes(&airings, 2), Language::Ru, Grade::new(1).unwrap(), at);
    let uids = |text: &str| text.lines().filter(|l| l.starts_with("UID:")).map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(uids(&v1), uids(&v2));
    assert_eq!(uids(&v1).len(), 10, "two lessons a day, Monday to Friday");
    assert!(v1.contains("SEQUENCE:1") && v2.contains("SEQUENCE:2"));
}
