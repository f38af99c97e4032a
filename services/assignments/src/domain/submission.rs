//! A pupil's work on one homework (R-AS-3, R-AS-4, R-AS-9): its attempts, its state machine, and
//! how the state reads in OneRoster's, Google Classroom's and Canvas's words.
//!
//! ```text
//!   New ──submit──▶ TurnedIn ──return(rework)──▶ Returned ──submit──▶ TurnedIn …
//!                    │   ▲
//!         reclaim ◀──┘   └──submit── Reclaimed
//!                    └──return(done)──▶ Checked
//!   every state but Checked ──excuse──▶ Excused
//! ```
//! Feedback (a comment, a formative assessment) changes no state; it is taken on work handed in
//! (TurnedIn, Returned, Checked). Everything else is refused ([`Refused`]).

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// How work reached the school.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    EJournal,
    Email,
    Aitu,
    WhatsApp,
    /// Collected on paper by a designated teacher or a post operator.
    Paper,
}

impl Channel {
    pub const ALL: [Channel; 5] = [Channel::EJournal, Channel::Email, Channel::Aitu, Channel::WhatsApp, Channel::Paper];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::EJournal => "e_journal",
            Channel::Email => "email",
            Channel::Aitu => "aitu",
            Channel::WhatsApp => "whatsapp",
            Channel::Paper => "paper",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == value)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    New,
    TurnedIn,
    Returned,
    Checked,
    Reclaimed,
    Excused,
}

impl State {
    pub const ALL: [State; 6] = [State::New, State::TurnedIn, State::Returned, State::Checked, State::Reclaimed, State::Excused];

    pub fn as_str(self) -> &'static str {
        match self {
            State::New => "new",
            State::TurnedIn => "turned_in",
            State::Returned => "returned",
            State::Checked => "checked",
            State::Reclaimed => "reclaimed",
            State::Excused => "excused",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// OneRoster 1.2 `scoreStatus`, one to one with the states an integrator can tell apart.
    pub fn one_roster_score_status(self) -> &'static str {
        match self {
            State::New | State::Reclaimed => "not submitted",
            State::TurnedIn => "submitted",
            State::Returned => "partially graded",
            State::Checked => "fully graded",
            State::Excused => "exempt",
        }
    }

    /// Google Classroom's `SubmissionState`.
    pub fn classroom_state(self) -> &'static str {
        match self {
            State::New => "NEW",
            State::TurnedIn => "TURNED_IN",
            State::Returned | State::Checked | State::Excused => "RETURNED",
            State::Reclaimed => "RECLAIMED_BY_STUDENT",
        }
    }
}

/// What happens to a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Submit,
    Reclaim,
    Feedback,
    ReturnForRework,
    ReturnDone,
    Excuse,
    Extend,
}

impl Action {
    /// The history's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Submit => "submitted",
            Action::Reclaim => "reclaimed",
            Action::Feedback => "feedback",
            Action::ReturnForRework | Action::ReturnDone => "returned",
            Action::Excuse => "excused",
            Action::Extend => "extended",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("work that is {} cannot be {}", .from.as_str().replace('_', " "), .action.as_str())]
pub struct Refused {
    pub from: State,
    pub action: Action,
}

/// The state after `action` in `from`, or why the state machine does not allow it.
pub fn next(from: State, action: Action) -> Result<State, Refused> {
    use {Action as A, State as S};
    let to = match (from, action) {
        (S::New | S::Returned | S::Reclaimed, A::Submit) => S::TurnedIn,
        (S::TurnedIn, A::Reclaim) => S::Reclaimed,
        (S::TurnedIn | S::Returned | S::Checked, A::Feedback) => from,
        (S::TurnedIn, A::ReturnForRework) => S::Returned,
        (S::TurnedIn, A::ReturnDone) => S::Checked,
        (S::New | S::TurnedIn | S::Returned | S::Reclaimed, A::Excuse) => S::Excused,
        (S::New | S::Returned | S::Reclaimed | S::TurnedIn, A::Extend) => from,
        _ => return Err(Refused { from, action }),
    };
    Ok(to)
}

/// Canvas's `late_policy_status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LatePolicy {
    None,
    Late,
    Missing,
    Extended,
}

/// Who acts on a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorRole {
    Pupil,
    Parent,
    Teacher,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Actor {
    pub role: ActorRole,
    pub id: String,
}

impl Actor {
    pub fn teacher(id: Uuid) -> Self {
        Self { role: ActorRole::Teacher, id: id.to_string() }
    }

    /// Whether this actor enters work for `pupil` rather than the pupil (or a parent) itself:
    /// a proxy entry (R-AS-3), allowed to teachers and audited in the history.
    pub fn is_proxy_for(&self, pupil: Uuid) -> bool {
        match self.role {
            ActorRole::Pupil => self.id != pupil.to_string(),
            ActorRole::Parent => false,
            ActorRole::Teacher => true,
        }
    }
}

/// Who collected paper work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Collector {
    Teacher,
    PostOperator,
}

impl Collector {
    pub fn as_str(self) -> &'static str {
        match self {
            Collector::Teacher => "teacher",
            Collector::PostOperator => "post_operator",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [Collector::Teacher, Collector::PostOperator].into_iter().find(|c| c.as_str() == value)
    }
}

/// Paper's chain of custody. The hand-over is the time that counts for the deadline.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PaperCustody {
    pub collected_by_role: Collector,
    pub collected_by: String,
    pub handed_over_at: DateTime<Utc>,
    pub received_at_school: Option<DateTime<Utc>>,
    pub scanned_at: Option<DateTime<Utc>>,
}

/// Work handed in, as the caller described it, every field read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handing {
    pub homework_id: Uuid,
    pub pupil_id: Uuid,
    pub channel: Channel,
    pub entered_by: Actor,
    pub text: String,
    pub attachment_ids: Vec<Uuid>,
    pub paper: Option<PaperCustody>,
    /// When it arrived by e-mail or messenger, if not now.
    pub received_at: Option<DateTime<Utc>>,
}

impl Handing {
    /// The time the deadline is compared with: the hand-over for paper (not the typing-in), the
    /// arrival otherwise.
    pub fn counted_at(&self, entered_at: DateTime<Utc>) -> DateTime<Utc> {
        match &self.paper {
            Some(paper) => paper.handed_over_at,
            None => self.received_at.unwrap_or(entered_at),
        }
    }
}

/// One attempt as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub number: i32,
    pub channel: Channel,
    pub counted_at: DateTime<Utc>,
    pub entered_at: DateTime<Utc>,
    pub entered_by: Actor,
    pub proxy: bool,
    pub text: String,
    pub attachment_ids: Vec<Uuid>,
    pub paper: Option<PaperCustody>,
    pub late: bool,
}

/// A submission's current state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub id: Uuid,
    pub homework_id: Uuid,
    pub pupil_id: Uuid,
    pub school_id: Uuid,
    pub class_id: Uuid,
    pub teacher_id: Uuid,
    pub subject_code: String,
    pub state: State,
    pub attempts: i32,
    pub turned_in_at: Option<DateTime<Utc>>,
    pub late: bool,
    pub extended_until: Option<DateTime<Utc>>,
    pub assessment: Option<String>,
    pub history_length: i64,
}

impl Submission {
    /// The pupil's deadline: the homework's, or the later one it was extended to.
    pub fn deadline(&self, homework_deadline: DateTime<Utc>) -> DateTime<Utc> {
        self.extended_until.map_or(homework_deadline, |e| e.max(homework_deadline))
    }
}

/// Canvas's late policy status of a pupil's work (`None`: nothing stored yet) at `now`.
pub fn late_policy(submission: Option<&Submission>, homework_deadline: DateTime<Utc>, now: DateTime<Utc>) -> LatePolicy {
    let state = submission.map_or(State::New, |s| s.state);
    let deadline = submission.map_or(homework_deadline, |s| s.deadline(homework_deadline));
    match state {
        State::Excused => LatePolicy::None,
        State::New | State::Reclaimed if now > deadline => LatePolicy::Missing,
        _ if submission.is_some_and(|s| s.late && s.turned_in_at.is_some() && !matches!(s.state, State::New | State::Reclaimed)) => LatePolicy::Late,
        _ if submission.is_some_and(|s| s.extended_until.is_some()) => LatePolicy::Extended,
        _ => LatePolicy::None,
    }
}

/// One item of a teacher's queue of unchecked work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    pub submission_id: Uuid,
    pub homework_id: Uuid,
    pub pupil_id: Uuid,
    pub class_id: Uuid,
    pub subject_code: String,
    pub attempt: i32,
    pub turned_in_at: DateTime<Utc>,
    pub late: bool,
}

/// One entry of a submission's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub sequence: i64,
    pub kind: String,
    pub at: DateTime<Utc>,
    pub actor: Actor,
    pub principal: String,
    pub state_after: State,
    pub attempt: i32,
    pub comment: String,
    pub assessment: String,
    pub proxy: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_as_9_every_state_maps_to_one_roster_and_classroom() {
        let one_roster: Vec<_> = State::ALL.iter().map(|s| s.one_roster_score_status()).collect();
        assert_eq!(one_roster, ["not submitted", "submitted", "partially graded", "fully graded", "not submitted", "exempt"]);
        let classroom: Vec<_> = State::ALL.iter().map(|s| s.classroom_state()).collect();
        assert_eq!(classroom, ["NEW", "TURNED_IN", "RETURNED", "RETURNED", "RECLAIMED_BY_STUDENT", "RETURNED"]);
        for state in State::ALL {
            assert_eq!(State::parse(state.as_str()), Some(state));
        }
    }

    #[test]
    fn r_as_4_work_on_mistakes_goes_round_and_checked_work_is_final() {
        let mut state = State::New;
        for action in [Action::Submit, Action::Feedback, Action::ReturnForRework, Action::Submit, Action::ReturnDone, Action::Feedback] {
            state = next(state, action).unwrap();
        }
        assert_eq!(state, State::Checked);
        assert_eq!(next(State::Checked, Action::Submit), Err(Refused { from: State::Checked, action: Action::Submit }));
        assert!(next(State::Checked, Action::Excuse).is_err());
        assert!(next(State::New, Action::Feedback).is_err(), "nothing to comment on");
        assert!(next(State::TurnedIn, Action::Submit).is_err(), "reclaim first");
        assert!(next(State::Returned, Action::ReturnDone).is_err(), "returned work is the pupil's");
        assert_eq!(next(State::TurnedIn, Action::Reclaim), Ok(State::Reclaimed));
        assert_eq!(next(State::Reclaimed, Action::Submit), Ok(State::TurnedIn));
        assert_eq!(Refused { from: State::TurnedIn, action: Action::Submit }.to_string(), "work that is turned in cannot be submitted");
    }

    #[test]
    fn r_as_3_paper_counts_from_the_hand_over_not_the_typing_in() {
        let entered: DateTime<Utc> = "2020-04-20T10:00:00Z".parse().unwrap();
        let handed: DateTime<Utc> = "2020-04-10T08:00:00Z".parse().unwrap();
        let paper = Handing {
            homework_id: Uuid::nil(),
            pupil_id: Uuid::nil(),
            channel: Channel::Paper,
            entered_by: Actor::teacher(Uuid::nil()),
            text: String::new(),
            attachment_ids: vec![],
            paper: Some(PaperCustody {
                collected_by_role: Collector::PostOperator,
                collected_by: "Kazpost 050000".into(),
                handed_over_at: handed,
                received_at_school: None,
                scanned_at: None,
            }),
            received_at: None,
        };
        assert_eq!(paper.counted_at(entered), handed);
        assert_eq!(Handing { paper: None, channel: Channel::Email, ..paper }.counted_at(entered), entered);
    }

    #[test]
    fn canvas_late_policy_reads_missing_late_and_extended() {
        let deadline: DateTime<Utc> = "2020-04-10T18:00:00Z".parse().unwrap();
        let before = deadline - chrono::Duration::hours(1);
        let after = deadline + chrono::Duration::hours(1);
        assert_eq!(late_policy(None, deadline, before), LatePolicy::None);
        assert_eq!(late_policy(None, deadline, after), LatePolicy::Missing);
        let pupil = Uuid::now_v7();
        let turned = Submission {
            id: Uuid::nil(),
            homework_id: Uuid::nil(),
            pupil_id: pupil,
            school_id: Uuid::nil(),
            class_id: Uuid::nil(),
            teacher_id: Uuid::nil(),
            subject_code: "mathematics".into(),
            state: State::TurnedIn,
            attempts: 1,
            turned_in_at: Some(after),
            late: true,
            extended_until: None,
            assessment: None,
            history_length: 1,
        };
        assert_eq!(late_policy(Some(&turned), deadline, after), LatePolicy::Late);
        let extended = Submission {
            state: State::New,
            attempts: 0,
            turned_in_at: None,
            late: false,
            extended_until: Some(after + chrono::Duration::days(1)),
            ..turned.clone()
        };
        assert_eq!(late_policy(Some(&extended), deadline, after), LatePolicy::Extended);
        assert_eq!(late_policy(Some(&Submission { state: State::Excused, ..extended }), deadline, after), LatePolicy::None);
        assert!(Actor { role: ActorRole::Pupil, id: pupil.to_string() }.is_proxy_for(pupil) == false);
        assert!(Actor::teacher(Uuid::now_v7()).is_proxy_for(pupil));
    }
}
