//! `qashyq.assignments.v1.AssignmentsService`.

use chrono::SubsecRound;
use qashyq_platform::{time::to_timestamp, validate::Violations};
use qashyq_proto::assignments::v1::{self as pb, assignments_service_server::AssignmentsService};
use tonic::{Request, Response, Status};

use crate::{
    homework::{Homework, validate_post},
    repo::HomeworkRepo,
};

pub struct AssignmentsApi {
    homework: HomeworkRepo,
}

impl AssignmentsApi {
    pub fn new(homework: HomeworkRepo) -> Self {
        Self { homework }
    }
}

pub fn homework_to_proto(homework: &Homework) -> pb::Homework {
    pb::Homework {
        homework_id: homework.id.to_string(),
        school_id: homework.school_id.to_string(),
        class_id: homework.class_id.to_string(),
        teacher_id: homework.teacher_id.to_string(),
        subject_code: homework.subject_code.clone(),
        lesson_kind: homework.lesson_kind.to_proto() as i32,
        tasks: homework.tasks.clone(),
        resource_links: homework.resource_links.clone(),
        deadline: Some(to_timestamp(homework.deadline)),
        posted_at: Some(to_timestamp(homework.posted_at)),
    }
}

#[tonic::async_trait]
impl AssignmentsService for AssignmentsApi {
    #[tracing::instrument(skip_all, fields(class_id = %request.get_ref().class_id))]
    async fn post_homework(&self, request: Request<pb::PostHomeworkRequest>) -> Result<Response<pb::Homework>, Status> {
        // Microseconds: what PostgreSQL stores, so the answer equals what a later read returns.
        let homework = validate_post(request.get_ref(), qashyq_platform::clock::now().trunc_subsecs(6))?;
        self.homework.post(&homework).await?;
        tracing::info!(homework_id = %homework.id, subject = %homework.subject_code, "homework posted");
        Ok(Response::new(homework_to_proto(&homework)))
    }

    async fn get_homework(&self, request: Request<pb::GetHomeworkRequest>) -> Result<Response<pb::Homework>, Status> {
        let mut v = Violations::new();
        let id = v.uuid("homework_id", &request.get_ref().homework_id);
        v.finish()?;
        let homework = self.homework.get(id.expect("validated")).await?;
        Ok(Response::new(homework_to_proto(&homework)))
    }
}
