//! R-AS-6 over gRPC: at a deadline a job marks absent the pupils with nothing handed in — once,
//! even with two replicas running the queue — and a paper hand-over dated in time, typed in
//! after, withdraws the absence; a video conference marks absent those not present. Paper packs
//! and paper overdue for collection (seed 003).

mod common;

use std::time::Duration;

use common::{Fixture, timestamp};
use qashyq_assignments::Assignments;
use qashyq_proto::{assignments::v1 as pb, common::v1::LocalDate};
use qashyq_testkit::{spawn, wait_until};

#[tokio::test]
async fn r_as_6_an_absence_is_marked_once_by_two_replicas_and_withdrawn_by_paper_handed_over_in_time() {
    let f = Fixture::start().await;
    // A second replica on the same database: both run the job queue.
    let second = spawn::<Assignments>(f.config.clone()).await.unwrap();
    let mut client = f.client.clone();
    let homework = f.post(f.homework(chrono::Duration::seconds(3), 30)).await;
    let handed_over = chrono::Utc::now();
    client.submit_work(f.submission(&homework.homework_id, 0)).await.unwrap();
    // The same deadline queued twice (as after a lost acknowledgement): both replicas may run
    // one each, and the absences are still marked once.
    let pool = f.pool().await;
    sqlx::query(
        "INSERT INTO assignments.jobs (kind, key, payload, run_at, max_attempts) \
         SELECT kind, key || '/again', payload, run_at, max_attempts FROM assignments.jobs WHERE kind = 'deadline-absences'",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;

    // Pupils 1 and 2 handed in nothing by the deadline.
    let marked = wait_until(Duration::from_secs(30), || async { f.count("SELECT count(*) FROM assignments.absences").await == 2 }).await;
    assert!(marked, "the deadline job marks the two");
    let both_ran = wait_until(Duration::from_secs(30), || async {
        f.count("SELECT count(*) FROM assignments.jobs WHERE kind = 'deadline-absences' AND state = 'done'").await == 2
    })
    .await;
    assert!(both_ran, "both jobs of the deadline ran");
    assert_eq!(f.count("SELECT count(*) FROM assignments.absences").await, 2, "once, whichever replica ran it");
    assert_eq!(f.count("SELECT count(*) FROM assignments.outbox WHERE event_type LIKE '%AbsenceMarked'").await, 2);

    // Pupil 2's paper work, handed to the post operator before the deadline, typed in now.
    let paper = pb::SubmitWorkRequest {
        channel: pb::Channel::Paper as i32,
        entered_by: Some(pb::Actor { role: pb::ActorRole::Teacher as i32, id: f.teacher_id.clone() }),
        paper: Some(pb::PaperCustody {
            collected_by_role: "post_operator".into(),
            collected_by: "Kazpost 050010".into(),
            handed_over_at: Some(timestamp(handed_over)),
            received_at_school: None,
            scanned_at: None,
        }),
        ..f.submission(&homework.homework_id, 2)
    };
    let submitted = client.submit_work(paper).await.unwrap().into_inner();
    assert_eq!(submitted.late_policy(), pb::LatePolicy::None, "in time");
    // Pupil 1's work arrives late by e-mail: late, and the absence stands.
    let late = pb::SubmitWorkRequest { channel: pb::Channel::Email as i32, ..f.submission(&homework.homework_id, 1) };
    assert_eq!(client.submit_work(late).await.unwrap().into_inner().late_policy(), pb::LatePolicy::Late);

    let today = chrono::Utc::now().date_naive();
    let range = |pupil: usize| pb::ListPupilAbsencesRequest {
        pupil_id: f.pupils[pupil].clone(),
        from: Some(local(today - chrono::Duration::days(1))),
        to: Some(local(today + chrono::Duration::days(2))),
    };
    let withdrawn = client.list_pupil_absences(range(2)).await.unwrap().into_inner().absences;
    assert_eq!(withdrawn.len(), 1);
    assert!(withdrawn[0].withdrawn_at.is_some());
    let standing = client.list_pupil_absences(range(1)).await.unwrap().into_inner().absences;
    assert_eq!((standing[0].reason(), standing[0].withdrawn_at.is_none()), (pb::AbsenceReason::DeadlineMissed, true));
    assert_eq!(f.count("SELECT count(*) FROM assignments.outbox WHERE event_type LIKE '%AbsenceWithdrawn'").await, 1);
    second.stop().await.unwrap();
    f.service.stop().await.unwrap();
}

#[tokio::test]
async fn r_as_6_a_missed_conference_is_an_absence_and_withdrawn_homework_makes_none() {
    let f = Fixture::start().await;
    let mut client = f.client.clone();
    let conference = pb::RecordConferenceRequest {
        class_id: f.class_id.clone(),
        teacher_id: f.teacher_id.clone(),
        subject: "mathematics".into(),
        held_at: Some(timestamp(chrono::Utc::now() - chrono::Duration::minutes(45))),
        present_pupil_ids: vec![f.pupils[0].clone(), f.pupils[1].clone()],
    };
    let recorded = client.record_conference(conference.clone()).await.unwrap().into_inner();
    assert_eq!(recorded.present, 2);
    let marked =
        wait_until(Duration::from_secs(30), || async { f.count("SELECT count(*) FROM assignments.absences WHERE reason = 'conference_missed'").await == 1 })
            .await;
    assert!(marked);
    let stranger = pb::RecordConferenceRequest { present_pupil_ids: vec![uuid::Uuid::now_v7().to_string()], ..conference };
    assert_eq!(common::fields(&client.record_conference(stranger).await.unwrap_err()), ["present_pupil_ids[0]"]);

    let homework = f.post(f.homework(chrono::Duration::seconds(2), 30)).await;
    client
        .withdraw_homework(pb::WithdrawHomeworkRequest { homework_id: homework.homework_id.clone(), expected_version: 1, reason: String::new() })
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(f.count("SELECT count(*) FROM assignments.absences WHERE reason = 'deadline_missed'").await, 0);
    f.service.stop().await.unwrap();
}

#[tokio::test]
async fn seed_003_paper_packs_and_paper_overdue_for_collection() {
    let f = Fixture::start().await;
    let mut client = f.client.clone();
    let homework = f.post(f.homework(chrono::Duration::seconds(2), 30)).await;
    let today = chrono::Utc::now().date_naive();
    let pack = client.get_paper_pack(pb::GetPaperPackRequest { class_id: f.class_id.clone(), from: Some(local(today)) }).await.unwrap().into_inner();
    assert_eq!(pack.pupils.iter().map(|p| p.pupil_id.clone()).collect::<Vec<_>>(), [f.pupils[2].clone()], "only the paper pupil");
    assert_eq!(pack.homework.len(), 1);

    tokio::time::sleep(Duration::from_secs(3)).await;
    let overdue = |client: &mut pb::assignments_service_client::AssignmentsServiceClient<tonic::transport::Channel>| {
        let request = pb::ListPaperOverdueRequest { school_id: f.school_id.clone(), page: None };
        let mut client = client.clone();
        async move { client.list_paper_overdue(request).await.unwrap().into_inner().items }
    };
    let items = overdue(&mut client).await;
    assert_eq!(items.len(), 1);
    assert_eq!((items[0].pupil_id.clone(), items[0].homework_id.clone()), (f.pupils[2].clone(), homework.homework_id.clone()));
    // A round collected today: nothing is overdue for collection for two weeks.
    let round = pb::RecordCollectionRoundRequest {
        class_id: f.class_id.clone(),
        collected_by_role: "post_operator".into(),
        collected_by: "Kazpost 050010".into(),
        collected_at: Some(timestamp(chrono::Utc::now())),
    };
    client.record_collection_round(round.clone()).await.unwrap();
    assert!(overdue(&mut client).await.is_empty());
    let future = pb::RecordCollectionRoundRequest { collected_at: Some(timestamp(chrono::Utc::now() + chrono::Duration::days(2))), ..round };
    assert_eq!(common::fields(&client.record_collection_round(future).await.unwrap_err()), ["collected_at"]);
    f.service.stop().await.unwrap();
}

fn local(date: chrono::NaiveDate) -> LocalDate {
    use chrono::Datelike;
    LocalDate { year: date.year(), month: date.month() as i32, day: date.day() as i32 }
}
