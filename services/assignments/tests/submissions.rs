//! R-AS-3, R-AS-4, R-AS-7, R-AS-9 over gRPC: work handed in through every channel, paper with
//! its chain of custody; a retried submission stored once; feedback, return, work on mistakes
//! and resubmission kept in one history; concurrent feedback never lost; the state machine and
//! its OneRoster and Classroom words; attachments typed from their bytes; the teacher's queue
//! and the pupil's open work.

mod common;

use common::{Fixture, fields, keyed, timestamp};
use qashyq_proto::assignments::v1::{
    self as pb, GetSubmissionHistoryRequest, GetSubmissionRequest, ListPupilOpenWorkRequest, ListTeacherQueueRequest, ReturnOutcome, SubmissionState,
    UploadAttachmentRequest, upload_attachment_request::Part,
};

fn upload(school_id: &str, media_type: &str, bytes: Vec<u8>) -> impl tokio_stream::Stream<Item = UploadAttachmentRequest> + use<> {
    let header = UploadAttachmentRequest {
        part: Some(Part::Header(pb::AttachmentHeader { school_id: school_id.into(), file_name: "page-1.jpg".into(), media_type: media_type.into() })),
    };
    let chunks: Vec<UploadAttachmentRequest> = bytes.chunks(64 * 1024).map(|c| UploadAttachmentRequest { part: Some(Part::Chunk(c.to_vec())) }).collect();
    tokio_stream::iter(std::iter::once(header).chain(chunks))
}

fn jpeg(size: usize) -> Vec<u8> {
    let mut bytes = b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01".to_vec();
    bytes.resize(size, 0x20);
    bytes
}

#[tokio::test]
async fn r_as_4_returned_work_is_resubmitted_with_its_whole_history() {
    let f = Fixture::start().await;
    let mut client = f.client.clone();
    let homework = f.post(f.homework(chrono::Duration::days(2), 30)).await;
    let id = homework.homework_id.clone();

    // R-AS-7: the same submission retried with its key is stored once.
    let first = client.submit_work(keyed(f.submission(&id, 0), "sub-1")).await.unwrap().into_inner();
    let retry = client.submit_work(keyed(f.submission(&id, 0), "sub-1")).await.unwrap().into_inner();
    assert_eq!((first.attempts, retry.attempts), (1, 1));
    assert_eq!(f.count("SELECT count(*) FROM assignments.attempts").await, 1);
    // R-AS-9: the status in OneRoster's and Classroom's words.
    assert_eq!((first.state(), first.one_roster_score_status.as_str(), first.classroom_state.as_str()), (SubmissionState::TurnedIn, "submitted", "TURNED_IN"));
    // Turned-in work cannot be turned in again without being reclaimed.
    let again = client.submit_work(f.submission(&id, 0)).await.unwrap_err();
    assert_eq!(again.code(), tonic::Code::FailedPrecondition);

    client.give_feedback(f.feedback(&id, 0, "Check ex. 2", "")).await.unwrap();
    let returned = client.return_work(f.returned(&id, 0, ReturnOutcome::Rework, "Work on mistakes, please")).await.unwrap().into_inner();
    assert_eq!((returned.state(), returned.one_roster_score_status.as_str()), (SubmissionState::Returned, "partially graded"));
    // Returned work is the pupil's: the teacher cannot return it again.
    let twice = client.return_work(f.returned(&id, 0, ReturnOutcome::Done, "")).await.unwrap_err();
    assert_eq!(twice.code(), tonic::Code::FailedPrecondition);

    let second = client.submit_work(pb::SubmitWorkRequest { text: "2) 19".into(), ..f.submission(&id, 0) }).await.unwrap().into_inner();
    assert_eq!(second.attempts, 2);
    client.give_feedback(f.feedback(&id, 0, "Correct now", "зачтено")).await.unwrap();
    let done = client.return_work(f.returned(&id, 0, ReturnOutcome::Done, "")).await.unwrap().into_inner();
    assert_eq!(
        (done.state(), done.one_roster_score_status.as_str(), done.classroom_state.as_str(), done.assessment.as_str()),
        (SubmissionState::Checked, "fully graded", "RETURNED", "зачтено")
    );

    let history =
        client.get_submission_history(GetSubmissionHistoryRequest { homework_id: id.clone(), pupil_id: f.pupils[0].clone() }).await.unwrap().into_inner();
    let kinds: Vec<(i64, &str, i32)> = history.entries.iter().map(|e| (e.sequence, e.kind.as_str(), e.attempt)).collect();
    assert_eq!(kinds, [(1, "submitted", 1), (2, "feedback", 1), (3, "returned", 1), (4, "submitted", 2), (5, "feedback", 2), (6, "returned", 2)]);
    assert_eq!(history.attempts.iter().map(|a| a.text.as_str()).collect::<Vec<_>>(), ["1) 42  2) 17  3) x = 5", "2) 19"]);
    assert!(history.entries.iter().all(|e| e.principal == "mesh" && e.at.is_some()));
    assert_eq!(
        f.events().await,
        ["HomeworkPosted", "SubmissionReceived", "FeedbackGiven", "WorkReturned", "SubmissionReceived", "FeedbackGiven", "WorkReturned"]
    );
    f.service.stop().await.unwrap();
}

#[tokio::test]
async fn r_as_4_concurrent_feedback_on_one_submission_is_all_kept() {
    let f = Fixture::start().await;
    let homework = f.post(f.homework(chrono::Duration::days(2), 30)).await;
    // R-AS-7: the same keyed submission sent four times at once is one attempt, one answer.
    let retries = (0..4).map(|_| {
        let mut client = f.client.clone();
        let request = keyed(f.submission(&homework.homework_id, 1), "at-once");
        tokio::spawn(async move { client.submit_work(request).await.map(|r| r.into_inner()) })
    });
    let answers: Vec<_> = futures::future::join_all(retries).await.into_iter().map(|r| r.unwrap().unwrap()).collect();
    assert!(answers.iter().all(|a| a.submission_id == answers[0].submission_id && a.attempts == 1), "{answers:?}");
    assert_eq!(f.count("SELECT count(*) FROM assignments.attempts").await, 1);
    let writers = (0..8).map(|i| {
        let mut client = f.client.clone();
        let request = f.feedback(&homework.homework_id, 1, &format!("comment {i}"), "");
        tokio::spawn(async move { client.give_feedback(request).await.map(|_| ()) })
    });
    for writer in futures::future::join_all(writers).await {
        writer.unwrap().unwrap();
    }
    let history = f
        .client
        .clone()
        .get_submission_history(GetSubmissionHistoryRequest { homework_id: homework.homework_id.clone(), pupil_id: f.pupils[1].clone() })
        .await
        .unwrap()
        .into_inner();
    let mut comments: Vec<_> = history.entries.iter().filter(|e| e.kind == "feedback").map(|e| e.comment.clone()).collect();
    comments.sort();
    assert_eq!(comments, (0..8).map(|i| format!("comment {i}")).collect::<Vec<_>>());
    assert_eq!(history.entries.iter().map(|e| e.sequence).collect::<Vec<_>>(), (1..=9).collect::<Vec<_>>(), "no gap, no repeat");
    f.service.stop().await.unwrap();
}

#[tokio::test]
async fn r_as_3_paper_counts_from_its_hand_over_and_a_teachers_proxy_entry_is_kept() {
    let f = Fixture::start().await;
    let mut client = f.client.clone();
    let homework = f.post(f.homework(chrono::Duration::days(2), 30)).await;
    // Handed to the post operator just after posting, typed in a while later.
    let handed = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let paper = pb::SubmitWorkRequest {
        channel: pb::Channel::Paper as i32,
        entered_by: Some(pb::Actor { role: pb::ActorRole::Teacher as i32, id: f.teacher_id.clone() }),
        paper: Some(pb::PaperCustody {
            collected_by_role: "post_operator".into(),
            collected_by: "Kazpost 050010".into(),
            handed_over_at: Some(timestamp(handed)),
            received_at_school: Some(timestamp(handed + chrono::Duration::milliseconds(500))),
            scanned_at: None,
        }),
        ..f.submission(&homework.homework_id, 2)
    };
    client.submit_work(paper.clone()).await.unwrap();
    let history = client
        .get_submission_history(GetSubmissionHistoryRequest { homework_id: homework.homework_id.clone(), pupil_id: f.pupils[2].clone() })
        .await
        .unwrap()
        .into_inner();
    let attempt = &history.attempts[0];
    assert_eq!(attempt.counted_at.as_ref().unwrap().seconds, handed.timestamp(), "the hand-over counts, not the typing-in");
    assert!(attempt.proxy && history.entries[0].proxy);
    assert_eq!(attempt.paper.as_ref().unwrap().collected_by, "Kazpost 050010");

    // Bad input: a pupil outside the class, a teacher of another school entering, a pupil
    // entering another's work, a hand-over in the future; nothing stored.
    let before = f.count("SELECT count(*) FROM assignments.attempts").await;
    let outsider =
        client.submit_work(pb::SubmitWorkRequest { pupil_id: uuid::Uuid::now_v7().to_string(), ..f.submission(&homework.homework_id, 0) }).await.unwrap_err();
    assert_eq!(outsider.code(), tonic::Code::Unavailable, "a pupil the directory has not announced");
    let elsewhere = uuid::Uuid::now_v7().to_string();
    let other_class = qashyq_proto::schedule::events::v1::PupilRegistered {
        pupil_id: elsewhere.clone(),
        school_id: f.school_id.clone(),
        class_id: uuid::Uuid::now_v7().to_string(),
        full_name: "Pupil of 5Б".into(),
        delivery: "broadband".into(),
    };
    common::publish(&f.config, &elsewhere, &other_class).await;
    let refused = qashyq_testkit::wait_until(std::time::Duration::from_secs(20), || {
        let mut client = client.clone();
        let request = pb::SubmitWorkRequest {
            pupil_id: elsewhere.clone(),
            entered_by: Some(pb::Actor { role: pb::ActorRole::Pupil as i32, id: elsewhere.clone() }),
            ..f.submission(&homework.homework_id, 0)
        };
        async move { client.submit_work(request).await.err().is_some_and(|e| e.code() == tonic::Code::InvalidArgument && common::fields(&e) == ["pupil_id"]) }
    })
    .await;
    assert!(refused, "a pupil of another class is named");
    let stranger = pb::SubmitWorkRequest { entered_by: Some(pb::Actor { role: pb::ActorRole::Teacher as i32, id: f.stranger_id.clone() }), ..paper.clone() };
    assert_eq!(fields(&client.submit_work(stranger).await.unwrap_err()), ["entered_by.id"]);
    let impostor = pb::SubmitWorkRequest {
        entered_by: Some(pb::Actor { role: pb::ActorRole::Pupil as i32, id: f.pupils[0].clone() }),
        ..f.submission(&homework.homework_id, 1)
    };
    assert_eq!(fields(&client.submit_work(impostor).await.unwrap_err()), ["entered_by.id"]);
    let mut future = paper.clone();
    future.pupil_id = f.pupils[1].clone();
    future.paper.as_mut().unwrap().handed_over_at = Some(timestamp(chrono::Utc::now() + chrono::Duration::days(1)));
    future.paper.as_mut().unwrap().received_at_school = None;
    assert_eq!(fields(&client.submit_work(future).await.unwrap_err()), ["paper.handed_over_at"]);
    assert_eq!(fields(&client.submit_work(pb::SubmitWorkRequest { channel: 9, ..f.submission(&homework.homework_id, 1) }).await.unwrap_err()), ["channel"]);
    assert_eq!(f.count("SELECT count(*) FROM assignments.attempts").await, before);
    f.service.stop().await.unwrap();
}

#[tokio::test]
async fn r_as_3_attachments_are_typed_from_their_bytes_and_bounded() {
    let f = Fixture::start().await;
    let mut client = f.client.clone();
    let stored = client.upload_attachment(upload(&f.school_id, "image/jpeg", jpeg(300_000))).await.unwrap().into_inner();
    assert_eq!((stored.media_type.as_str(), stored.size), ("image/jpeg", 300_000));
    // Bytes that are not what the type claims: an executable named a JPEG.
    let mut exe = b"MZ\x90\x00\x03\x00\x00\x00".to_vec();
    exe.resize(4096, 0);
    let lie = client.upload_attachment(upload(&f.school_id, "image/jpeg", exe)).await.unwrap_err();
    assert_eq!(fields(&lie), ["header.media_type"]);
    let png = client.upload_attachment(upload(&f.school_id, "application/pdf", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR".to_vec())).await.unwrap_err();
    assert!(png.message().contains("image/png"), "{}", png.message());
    // Over the limit (25 MiB): refused, nothing kept.
    let huge = client.upload_attachment(upload(&f.school_id, "image/jpeg", jpeg(26 * 1024 * 1024))).await.unwrap_err();
    assert_eq!(fields(&huge), ["chunk"]);
    assert_eq!(f.count("SELECT count(*) FROM assignments.attachments").await, 1);

    // The stored one goes with a submission; one of another school does not.
    let homework = f.post(f.homework(chrono::Duration::days(2), 30)).await;
    let with_scan = pb::SubmitWorkRequest { attachment_ids: vec![stored.attachment_id.clone()], text: String::new(), ..f.submission(&homework.homework_id, 0) };
    client.submit_work(with_scan).await.unwrap();
    let foreign = pb::SubmitWorkRequest { attachment_ids: vec![uuid::Uuid::now_v7().to_string()], ..f.submission(&homework.homework_id, 1) };
    assert_eq!(fields(&client.submit_work(foreign).await.unwrap_err()), ["attachment_ids[0]"]);
    f.service.stop().await.unwrap();
}

#[tokio::test]
async fn r_as_4_the_teachers_queue_is_oldest_first_and_the_pupils_open_work_has_deadlines() {
    let f = Fixture::start().await;
    let mut client = f.client.clone();
    let soon = f.post(f.homework(chrono::Duration::days(1), 30)).await;
    let later = f.post(f.homework(chrono::Duration::days(3), 30)).await;
    for pupil in [1, 0] {
        client.submit_work(f.submission(&soon.homework_id, pupil)).await.unwrap();
    }
    let page = |token: String| ListTeacherQueueRequest {
        teacher_id: f.teacher_id.clone(),
        page: Some(qashyq_proto::common::v1::PageRequest { page_size: 1, page_token: token }),
    };
    let first = client.list_teacher_queue(page(String::new())).await.unwrap().into_inner();
    assert_eq!(first.items[0].pupil_id, f.pupils[1], "oldest first");
    let second = client.list_teacher_queue(page(first.page.unwrap().next_page_token)).await.unwrap().into_inner();
    assert_eq!(second.items[0].pupil_id, f.pupils[0]);
    // A token of another query is refused.
    let other = ListTeacherQueueRequest {
        teacher_id: f.stranger_id.clone(),
        page: Some(qashyq_proto::common::v1::PageRequest { page_size: 1, page_token: second.page.unwrap().next_page_token }),
    };
    assert_eq!(fields(&client.list_teacher_queue(other).await.unwrap_err()), ["page.page_token"]);

    client.return_work(f.returned(&soon.homework_id, 0, ReturnOutcome::Done, "")).await.unwrap();
    let open = client.list_pupil_open_work(ListPupilOpenWorkRequest { pupil_id: f.pupils[0].clone() }).await.unwrap().into_inner();
    assert_eq!(
        open.work.iter().map(|w| w.homework.as_ref().unwrap().homework_id.clone()).collect::<Vec<_>>(),
        [later.homework_id.clone()],
        "checked work is not open"
    );
    let open = client.list_pupil_open_work(ListPupilOpenWorkRequest { pupil_id: f.pupils[1].clone() }).await.unwrap().into_inner();
    assert_eq!(open.work.len(), 2);
    assert_eq!(open.work[0].state(), SubmissionState::TurnedIn);
    assert_eq!(open.work[1].state(), SubmissionState::New);
    let none =
        client.get_submission(GetSubmissionRequest { homework_id: later.homework_id.clone(), pupil_id: f.pupils[1].clone() }).await.unwrap().into_inner();
    assert_eq!((none.state(), none.one_roster_score_status.as_str()), (SubmissionState::New, "not submitted"));
    let unknown = client.list_pupil_open_work(ListPupilOpenWorkRequest { pupil_id: uuid::Uuid::now_v7().to_string() }).await.unwrap_err();
    assert_eq!(unknown.code(), tonic::Code::NotFound);
    f.service.stop().await.unwrap();
}

#[tokio::test]
async fn r_as_5_sor_and_soch_are_recorded_corrected_and_bounded() {
    let f = Fixture::start().await;
    let mut client = f.client.clone();
    let mark = pb::RecordMarkRequest {
        pupil_id: f.pupils[0].clone(),
        subject: "Математика".into(),
        teacher_id: f.teacher_id.clone(),
        kind: pb::MarkKind::Sor as i32,
        school_year: 2019,
        quarter: 4,
        number: 1,
        score: 15,
        max_score: 20,
    };
    let first = client.record_mark(keyed(mark.clone(), "mark-1")).await.unwrap().into_inner();
    let retried = client.record_mark(keyed(mark.clone(), "mark-1")).await.unwrap().into_inner();
    assert_eq!((first.version, retried.version), (1, 1), "a retry changes nothing");
    let corrected = client.record_mark(pb::RecordMarkRequest { score: 17, ..mark.clone() }).await.unwrap().into_inner();
    assert_eq!((corrected.version, corrected.score), (2, 17));
    // The first write retried after the correction does not undo it.
    let late_retry = client.record_mark(keyed(mark.clone(), "mark-1")).await.unwrap().into_inner();
    assert_eq!((late_retry.version, late_retry.score), (2, 17));
    let soch = pb::RecordMarkRequest { kind: pb::MarkKind::Soch as i32, quarter: 0, score: 23, max_score: 25, ..mark.clone() };
    client.record_mark(soch).await.unwrap();
    assert_eq!(fields(&client.record_mark(pb::RecordMarkRequest { score: 21, ..mark.clone() }).await.unwrap_err()), ["score"]);
    assert_eq!(fields(&client.record_mark(pb::RecordMarkRequest { teacher_id: f.stranger_id.clone(), ..mark.clone() }).await.unwrap_err()), ["teacher_id"]);
    let marks = client.list_pupil_marks(pb::ListPupilMarksRequest { pupil_id: f.pupils[0].clone(), school_year: 2019 }).await.unwrap().into_inner();
    assert_eq!(marks.marks.iter().map(|m| (m.kind(), m.score, m.max_score)).collect::<Vec<_>>(), [(pb::MarkKind::Sor, 17, 20), (pb::MarkKind::Soch, 23, 25)]);
    assert_eq!(f.events().await, ["MarkRecorded", "MarkRecorded", "MarkRecorded"]);
    f.service.stop().await.unwrap();
}

#[tokio::test]
async fn r_as_9_reclaimed_excused_extended_and_missing_in_every_words() {
    let f = Fixture::start().await;
    let mut client = f.client.clone();
    let homework = f.post(f.homework(chrono::Duration::seconds(3), 30)).await;
    let id = homework.homework_id.clone();
    let teacher = |pupil: usize| (id.clone(), f.pupils[pupil].clone(), f.teacher_id.clone());

    // Pupil 0 hands in and takes it back (Classroom's RECLAIMED_BY_STUDENT); a teacher cannot.
    client.submit_work(f.submission(&id, 0)).await.unwrap();
    let by_teacher = pb::ReclaimWorkRequest {
        homework_id: id.clone(),
        pupil_id: f.pupils[0].clone(),
        entered_by: Some(pb::Actor { role: pb::ActorRole::Teacher as i32, id: f.teacher_id.clone() }),
    };
    assert_eq!(fields(&client.reclaim_work(by_teacher).await.unwrap_err()), ["entered_by"]);
    let reclaim = pb::ReclaimWorkRequest { homework_id: id.clone(), pupil_id: f.pupils[0].clone(), entered_by: f.submission(&id, 0).entered_by };
    let reclaimed = client.reclaim_work(reclaim.clone()).await.unwrap().into_inner();
    assert_eq!(
        (reclaimed.state(), reclaimed.one_roster_score_status.as_str(), reclaimed.classroom_state.as_str()),
        (SubmissionState::Reclaimed, "not submitted", "RECLAIMED_BY_STUDENT")
    );
    assert_eq!(client.reclaim_work(reclaim).await.unwrap_err().code(), tonic::Code::FailedPrecondition, "nothing turned in to take back");

    // Pupil 1 is excused (OneRoster's exempt); pupil 2's deadline is extended (Canvas).
    let (h, p, t) = teacher(1);
    let excused =
        client.excuse_work(pb::ExcuseWorkRequest { homework_id: h, pupil_id: p, teacher_id: t, reason: "ill, certificate".into() }).await.unwrap().into_inner();
    assert_eq!((excused.state(), excused.one_roster_score_status.as_str(), excused.excused), (SubmissionState::Excused, "exempt", true));
    let (h, p, t) = teacher(2);
    let past = pb::ExtendDeadlineRequest {
        homework_id: h.clone(),
        pupil_id: p.clone(),
        teacher_id: t.clone(),
        deadline: Some(timestamp(chrono::Utc::now() - chrono::Duration::hours(1))),
    };
    assert_eq!(fields(&client.extend_deadline(past).await.unwrap_err()), ["deadline"]);
    let until = chrono::Utc::now() + chrono::Duration::hours(1);
    let extended = client
        .extend_deadline(pb::ExtendDeadlineRequest { homework_id: h, pupil_id: p, teacher_id: t, deadline: Some(timestamp(until)) })
        .await
        .unwrap()
        .into_inner();
    assert_eq!((extended.late_policy(), extended.deadline.unwrap().seconds), (pb::LatePolicy::Extended, until.timestamp()));

    // An arrival time is for e-mail and messengers; nothing counts from before the posting.
    let journal = pb::SubmitWorkRequest { received_at: Some(timestamp(chrono::Utc::now())), ..f.submission(&id, 2) };
    assert_eq!(fields(&client.submit_work(journal).await.unwrap_err()), ["received_at"]);
    let early = pb::SubmitWorkRequest {
        channel: pb::Channel::Email as i32,
        received_at: Some(timestamp(chrono::Utc::now() - chrono::Duration::days(1))),
        ..f.submission(&id, 2)
    };
    assert_eq!(fields(&client.submit_work(early).await.unwrap_err()), ["received_at"]);

    // After the deadline: pupil 0 (reclaimed) is missing; no one is absent — pupil 0 handed in
    // in time, pupil 1 is excused, pupil 2's own deadline is ahead.
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    let missing = client.get_submission(GetSubmissionRequest { homework_id: id.clone(), pupil_id: f.pupils[0].clone() }).await.unwrap().into_inner();
    assert_eq!(missing.late_policy(), pb::LatePolicy::Missing);
    assert_eq!(f.count("SELECT count(*) FROM assignments.absences").await, 0);
    let late = client.submit_work(f.submission(&id, 0)).await.unwrap().into_inner();
    assert_eq!((late.late_policy(), late.attempts), (pb::LatePolicy::Late, 2));
    f.service.stop().await.unwrap();
}

#[tokio::test]
async fn r_as_7_a_batch_is_stored_together_once_or_not_at_all() {
    let f = Fixture::start().await;
    let mut client = f.client.clone();
    let homework = f.post(f.homework(chrono::Duration::days(2), 30)).await;
    let batch = |items: Vec<pb::SubmitWorkRequest>| pb::SubmitWorkBatchRequest { submissions: items };
    let all = || (0..3).map(|p| f.submission(&homework.homework_id, p)).collect::<Vec<_>>();

    // One bad item refuses the batch, named by its place; nothing stored.
    let mut bad = all();
    bad[1].channel = 42;
    bad[2].paper = Some(pb::PaperCustody::default());
    assert_eq!(fields(&client.submit_work_batch(batch(bad)).await.unwrap_err()), ["submissions[1].channel", "submissions[2].paper"]);
    let mut twice = all();
    twice[2] = twice[0].clone();
    assert_eq!(fields(&client.submit_work_batch(batch(twice)).await.unwrap_err()), ["submissions[2].pupil_id"]);
    let too_many = (0..101).map(|_| f.submission(&homework.homework_id, 0)).collect();
    assert_eq!(fields(&client.submit_work_batch(batch(too_many)).await.unwrap_err()), ["submissions"]);
    assert_eq!(f.count("SELECT count(*) FROM assignments.attempts").await, 0);

    let first = client.submit_work_batch(keyed(batch(all()), "sync-1")).await.unwrap().into_inner();
    assert_eq!(
        first.submissions.iter().map(|s| (s.pupil_id.clone(), s.attempts)).collect::<Vec<_>>(),
        f.pupils.iter().map(|p| (p.clone(), 1)).collect::<Vec<_>>()
    );
    let retry = client.submit_work_batch(keyed(batch(all()), "sync-1")).await.unwrap().into_inner();
    assert_eq!(retry, first, "a retried batch is stored once and answered alike");
    assert_eq!(f.count("SELECT count(*) FROM assignments.attempts").await, 3);
    assert_eq!(f.events().await.iter().filter(|e| *e == "SubmissionReceived").count(), 3);
    // Work already turned in cannot be turned in again: the state machine refuses the batch.
    assert_eq!(client.submit_work_batch(batch(all())).await.unwrap_err().code(), tonic::Code::FailedPrecondition);
    f.service.stop().await.unwrap();
}
