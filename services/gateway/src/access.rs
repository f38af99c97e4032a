//! Who may call what (R-GW-2): every public method declares what it needs, in one table
//! ([`METHODS`]); the gateway refuses a principal whose role lacks it with `PERMISSION_DENIED`
//! before the call goes further. A method the table does not name is refused to everyone (a test
//! checks that every method of the public packages is named). The scope of the records a call
//! touches (an integrator's schools, an observer's region) is checked by the service that owns
//! them, from the signed principal the gateway passes on.

use qashyq_platform::principal::Role;

/// What a method needs of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Need {
    /// Nothing: signing in.
    Nothing,
    /// Any principal: the national catalogue, the TV grid and its exports, the school year's
    /// calendar (public information).
    AnyPrincipal,
    /// Reading schools' records (directory, timetables, days, homework): integrators (their
    /// schools), the Ministry, observers (their region; the country), administrators.
    ReadSchools,
    /// Changing schools' records: integrators (their schools) and administrators.
    WriteSchools,
    /// National and regional reports: the Ministry, observers (their region), administrators.
    ReadReports,
    /// Registering and approving TV-lesson content: content reviewers and administrators.
    ReviewContent,
    /// Reading proctored sessions: proctoring reviewers, the Ministry, the Quality Assurance
    /// Committee's observers, administrators.
    ReadProctoring,
    /// Deciding proctored sessions: proctoring reviewers only.
    ReviewProctoring,
    /// The observers' audit log: the Ministry and administrators.
    ReadAudit,
    /// The event feed: integrators (their schools), the Ministry and administrators. Observers
    /// read through calls, each audited; a feed is not one read.
    Feed,
    /// Importing and publishing the TV grid, putting content on air, registering schools and
    /// districts, scheduling exams: administrators only.
    Administer,
}

impl Need {
    pub fn allows(self, role: Role) -> bool {
        use Role::*;
        match self {
            Need::Nothing | Need::AnyPrincipal => true,
            Need::ReadSchools => matches!(role, Integrator | Ministry | RegionalObserver | QualityObserver | Administrator),
            Need::WriteSchools => matches!(role, Integrator | Administrator),
            Need::ReadReports => matches!(role, Ministry | RegionalObserver | QualityObserver | Administrator),
            Need::ReviewContent => matches!(role, ContentReviewer | Administrator),
            Need::ReadProctoring => matches!(role, ProctoringReviewer | Ministry | QualityObserver | Administrator),
            Need::ReviewProctoring => matches!(role, ProctoringReviewer),
            Need::ReadAudit => matches!(role, Ministry | Administrator),
            Need::Feed => matches!(role, Integrator | Ministry | Administrator),
            Need::Administer => matches!(role, Administrator),
        }
    }

    /// Whether the method changes something (observers may never call it; idempotency keys
    /// apply to it).
    pub fn writes(self) -> bool {
        matches!(self, Need::WriteSchools | Need::ReviewContent | Need::ReviewProctoring | Need::Administer)
    }
}

/// Every public method and what it needs.
pub const METHODS: &[(&str, Need)] = &[
    // The gateway's own.
    ("/qashyq.gateway.v1.AuthService/Login", Need::Nothing),
    ("/qashyq.gateway.v1.AuthService/Refresh", Need::Nothing),
    ("/qashyq.gateway.v1.AuthService/Logout", Need::Nothing),
    ("/qashyq.gateway.v1.AuditService/ListAuditEntries", Need::ReadAudit),
    ("/qashyq.gateway.v1.FeedService/Subscribe", Need::Feed),
    // The national catalogue.
    ("/qashyq.schedule.v1.CatalogueService/ListRegions", Need::AnyPrincipal),
    ("/qashyq.schedule.v1.CatalogueService/ListSubjects", Need::AnyPrincipal),
    ("/qashyq.schedule.v1.CatalogueService/ResolveSubject", Need::AnyPrincipal),
    // The school directory.
    ("/qashyq.schedule.v1.DirectoryService/RegisterSchool", Need::Administer),
    ("/qashyq.schedule.v1.DirectoryService/GetSchool", Need::ReadSchools),
    ("/qashyq.schedule.v1.DirectoryService/ListSchools", Need::ReadSchools),
    ("/qashyq.schedule.v1.DirectoryService/RegisterDistrict", Need::Administer),
    ("/qashyq.schedule.v1.DirectoryService/ListDistricts", Need::ReadSchools),
    ("/qashyq.schedule.v1.DirectoryService/RegisterPupil", Need::WriteSchools),
    ("/qashyq.schedule.v1.DirectoryService/GetPupil", Need::ReadSchools),
    ("/qashyq.schedule.v1.DirectoryService/ListPupils", Need::ReadSchools),
    ("/qashyq.schedule.v1.DirectoryService/AddParent", Need::WriteSchools),
    ("/qashyq.schedule.v1.DirectoryService/ImportRoster", Need::WriteSchools),
    // Timetables and days.
    ("/qashyq.schedule.v1.TimetableService/RegisterClass", Need::WriteSchools),
    ("/qashyq.schedule.v1.TimetableService/ListClasses", Need::ReadSchools),
    ("/qashyq.schedule.v1.TimetableService/RegisterTeacher", Need::WriteSchools),
    ("/qashyq.schedule.v1.TimetableService/GenerateTimetable", Need::WriteSchools),
    ("/qashyq.schedule.v1.TimetableService/ValidateTimetable", Need::ReadSchools),
    ("/qashyq.schedule.v1.TimetableService/UploadTimetable", Need::WriteSchools),
    ("/qashyq.schedule.v1.TimetableService/GetTimetable", Need::ReadSchools),
    ("/qashyq.schedule.v1.TimetableService/GetClassDay", Need::ReadSchools),
    ("/qashyq.schedule.v1.TimetableService/GetPupilDay", Need::ReadSchools),
    ("/qashyq.schedule.v1.TimetableService/ExportClassCalendar", Need::ReadSchools),
    ("/qashyq.schedule.v1.TimetableService/GetSchoolCalendar", Need::AnyPrincipal),
    // The TV grid: public to read; administered.
    ("/qashyq.tvgrid.v1.TvGridService/ListChannels", Need::AnyPrincipal),
    ("/qashyq.tvgrid.v1.TvGridService/ImportGrid", Need::Administer),
    ("/qashyq.tvgrid.v1.TvGridService/GetValidationReport", Need::AnyPrincipal),
    ("/qashyq.tvgrid.v1.TvGridService/GetCampaignFigures", Need::AnyPrincipal),
    ("/qashyq.tvgrid.v1.TvGridService/GetGradeDay", Need::AnyPrincipal),
    ("/qashyq.tvgrid.v1.TvGridService/GetChannelDay", Need::AnyPrincipal),
    ("/qashyq.tvgrid.v1.TvGridService/GetAiringNow", Need::AnyPrincipal),
    ("/qashyq.tvgrid.v1.TvGridService/ExportXmltv", Need::AnyPrincipal),
    ("/qashyq.tvgrid.v1.TvGridService/StreamXmltv", Need::AnyPrincipal),
    ("/qashyq.tvgrid.v1.TvGridService/ExportICalendar", Need::AnyPrincipal),
    ("/qashyq.tvgrid.v1.TvGridService/PublishGrid", Need::Administer),
    ("/qashyq.tvgrid.v1.TvGridService/ListPublications", Need::AnyPrincipal),
    ("/qashyq.tvgrid.v1.TvGridService/RegisterLessonAsset", Need::ReviewContent),
    ("/qashyq.tvgrid.v1.TvGridService/ApproveLessonAsset", Need::ReviewContent),
    ("/qashyq.tvgrid.v1.TvGridService/GetLessonAsset", Need::AnyPrincipal),
    ("/qashyq.tvgrid.v1.TvGridService/ScheduleLessonAsset", Need::Administer),
    ("/qashyq.tvgrid.v1.TvGridService/GetLessonRepeats", Need::AnyPrincipal),
    // Homework, submissions, feedback, marks, absences, paper work (R-AS-*): the schools' records.
    ("/qashyq.assignments.v1.AssignmentsService/PostHomework", Need::WriteSchools),
    ("/qashyq.assignments.v1.AssignmentsService/EditHomework", Need::WriteSchools),
    ("/qashyq.assignments.v1.AssignmentsService/WithdrawHomework", Need::WriteSchools),
    ("/qashyq.assignments.v1.AssignmentsService/UploadAttachment", Need::WriteSchools),
    ("/qashyq.assignments.v1.AssignmentsService/SubmitWork", Need::WriteSchools),
    ("/qashyq.assignments.v1.AssignmentsService/SubmitWorkBatch", Need::WriteSchools),
    ("/qashyq.assignments.v1.AssignmentsService/ReclaimWork", Need::WriteSchools),
    ("/qashyq.assignments.v1.AssignmentsService/GiveFeedback", Need::WriteSchools),
    ("/qashyq.assignments.v1.AssignmentsService/ReturnWork", Need::WriteSchools),
    ("/qashyq.assignments.v1.AssignmentsService/ExcuseWork", Need::WriteSchools),
    ("/qashyq.assignments.v1.AssignmentsService/ExtendDeadline", Need::WriteSchools),
    ("/qashyq.assignments.v1.AssignmentsService/RecordMark", Need::WriteSchools),
    ("/qashyq.assignments.v1.AssignmentsService/RecordConference", Need::WriteSchools),
    ("/qashyq.assignments.v1.AssignmentsService/RecordCollectionRound", Need::WriteSchools),
    ("/qashyq.assignments.v1.AssignmentsService/GetHomework", Need::ReadSchools),
    ("/qashyq.assignments.v1.AssignmentsService/ListClassHomework", Need::ReadSchools),
    ("/qashyq.assignments.v1.AssignmentsService/GetSubmission", Need::ReadSchools),
    ("/qashyq.assignments.v1.AssignmentsService/GetSubmissionHistory", Need::ReadSchools),
    ("/qashyq.assignments.v1.AssignmentsService/ListTeacherQueue", Need::ReadSchools),
    ("/qashyq.assignments.v1.AssignmentsService/ListPupilOpenWork", Need::ReadSchools),
    ("/qashyq.assignments.v1.AssignmentsService/ListPupilMarks", Need::ReadSchools),
    ("/qashyq.assignments.v1.AssignmentsService/ListPupilAbsences", Need::ReadSchools),
    ("/qashyq.assignments.v1.AssignmentsService/GetPaperPack", Need::ReadSchools),
    ("/qashyq.assignments.v1.AssignmentsService/ListPaperOverdue", Need::ReadSchools),
    // Content checks.
    ("/qashyq.content.v1.ContentService/InspectAtomicFile", Need::ReviewContent),
    // Proctored exams.
    ("/qashyq.proctoring.v1.ProctoringService/ScheduleSession", Need::Administer),
    ("/qashyq.proctoring.v1.ProctoringService/GetSession", Need::ReadProctoring),
    ("/qashyq.proctoring.v1.ProctoringService/TransitionSession", Need::ReviewProctoring),
    // Reports.
    ("/qashyq.reporting.v1.ReportingService/GetConnectivityReport", Need::ReadReports),
    ("/qashyq.reporting.v1.ReportingService/ListIndicators", Need::ReadReports),
    ("/qashyq.reporting.v1.ReportingService/QueryIndicator", Need::ReadReports),
    ("/qashyq.reporting.v1.ReportingService/GetWeeklyReport", Need::ReadReports),
    ("/qashyq.reporting.v1.ReportingService/ExportWeeklyReport", Need::ReadReports),
    ("/qashyq.reporting.v1.ReportingService/RebuildProjections", Need::Administer),
];

/// What a method needs; `None` for a method the table does not name (refused to everyone).
pub fn need_of(path: &str) -> Option<Need> {
    static BY_PATH: std::sync::OnceLock<std::collections::HashMap<&'static str, Need>> = std::sync::OnceLock::new();
    BY_PATH.get_or_init(|| METHODS.iter().copied().collect()).get(path).copied()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use prost::Message;

    use super::*;

    /// Every method of the public packages, read from the compiled descriptors.
    fn public_methods() -> BTreeSet<String> {
        let set = prost_types::FileDescriptorSet::decode(qashyq_proto::FILE_DESCRIPTOR_SET).unwrap();
        let public: Vec<&str> = qashyq_proto::PACKAGE_OWNERS.iter().map(|(package, _)| *package).chain(["qashyq.gateway.v1"]).collect();
        set.file
            .iter()
            .filter(|file| public.contains(&file.package()))
            .flat_map(|file| {
                file.service.iter().flat_map(move |service| service.method.iter().map(move |m| format!("/{}.{}/{}", file.package(), service.name(), m.name())))
            })
            .collect()
    }

    #[test]
    fn r_gw_2_every_public_method_is_in_the_table_once_and_nothing_else_is() {
        let named: Vec<&str> = METHODS.iter().map(|(m, _)| *m).collect();
        let unique: BTreeSet<&str> = named.iter().copied().collect();
        assert_eq!(unique.len(), named.len(), "a method named twice");
        let public = public_methods();
        let missing: Vec<_> = public.iter().filter(|m| !unique.contains(m.as_str())).collect();
        assert!(missing.is_empty(), "methods without an entry: {missing:?}");
        let stale: Vec<_> = unique.iter().filter(|m| !public.contains(**m)).collect();
        assert!(stale.is_empty(), "entries of no method: {stale:?}");
    }

    #[test]
    fn r_gw_2_observers_write_nothing_and_only_administrators_administer() {
        for (method, need) in METHODS {
            for role in Role::ALL {
                if role.is_observer() && need.writes() {
                    assert!(!need.allows(role), "{role} may call {method}");
                }
                if *need == Need::Administer {
                    assert_eq!(need.allows(role), role == Role::Administrator, "{role} on {method}");
                }
            }
        }
        assert!(Need::ReviewProctoring.allows(Role::ProctoringReviewer) && !Need::ReviewProctoring.allows(Role::Administrator));
    }
}
