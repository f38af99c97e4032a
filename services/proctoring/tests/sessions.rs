//! R-PR-3 over gRPC: allowed transitions go through (with an audit row and an event each),
//! forbidden ones are refused and change nothing.

use qashyq_platform::error::field_violations;
use qashyq_proctoring::Proctoring;
use qashyq_proto::proctoring::v1::{
    ExamKind, GetSessionRequest, ScheduleSessionRequest, SessionState, TransitionSessionRequest, proctoring_service_client::ProctoringServiceClient,
};
use qashyq_testkit::{TestDatabase, spawn, test_config};
use tonic::Code;

fn to(session_id: &str, state: SessionState) -> TransitionSessionRequest {
    TransitionSessionRequest { session_id: session_id.into(), to_state: state as i32, expected_version: 0, reason: String::new() }
}

#[tokio::test]
async fn r_pr_3_lifecycle_is_enforced_and_audited() {
    let db = TestDatabase::create().await.unwrap();
    let service = spawn::<Proctoring>(test_config(db.url())).await.unwrap();
    let mut client = ProctoringServiceClient::new(service.channel().await);

    let session = client
        .schedule_session(ScheduleSessionRequest {
            institution_id: uuid::Uuid::new_v4().to_string(),
            student_id: uuid::Uuid::new_v4().to_string(),
            exam_kind: ExamKind::FinalAttestation as i32,
            scheduled_start: Some(prost_types::Timestamp { seconds: 1_589_500_800, nanos: 0 }),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(session.state, SessionState::Scheduled as i32);
    let id = session.session_id.clone();

    // Skipping the identity check is refused, and nothing changes.
    let refused = client.transition_session(to(&id, SessionState::InProgress)).await.unwrap_err();
    assert_eq!(refused.code(), Code::FailedPrecondition);
    let unchanged = client.get_session(GetSessionRequest { session_id: id.clone() }).await.unwrap().into_inner();
    assert_eq!((unchanged.state, unchanged.version), (SessionState::Scheduled as i32, 1));

    for state in [
        SessionState::IdentityCheck,
        SessionState::InProgress,
        SessionState::Interrupted,
        SessionState::InProgress,
        SessionState::Submitted,
        SessionState::UnderReview,
        SessionState::Suspicious,
    ] {
        let moved = client.transition_session(to(&id, state)).await.unwrap().into_inner();
        assert_eq!(moved.state, state as i32);
    }
    // A verdict is final.
    let refused = client.transition_session(to(&id, SessionState::Clean)).await.unwrap_err();
    assert_eq!(refused.code(), Code::FailedPrecondition);

    // A stale version is refused.
    let stale = client.transition_session(TransitionSessionRequest { expected_version: 2, ..to(&id, SessionState::Clean) }).await.unwrap_err();
    assert_eq!(stale.code(), Code::Aborted);

    let bad = client
        .transition_session(TransitionSessionRequest { session_id: "x".into(), to_state: 0, expected_version: -1, reason: String::new() })
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);
    let fields: Vec<_> = field_violations(&bad).into_iter().map(|v| v.field).collect();
    assert_eq!(fields, ["session_id", "to_state", "expected_version"]);

    let pool = sqlx::PgPool::connect(db.url()).await.unwrap();
    let audited: i64 = sqlx::query_scalar("SELECT count(*) FROM proctoring.session_transitions").fetch_one(&pool).await.unwrap();
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM proctoring.outbox").fetch_one(&pool).await.unwrap();
    assert_eq!((audited, events), (8, 7), "one audit row per state including scheduling; one event per transition");
    pool.close().await;
    service.stop().await.unwrap();
}
