//! `qashyq.assignments.v1.AssignmentsService`: each handler reads its request into a typed
//! command ([`convert`]), calls the use case ([`crate::app`]) and converts the answer back.
//! Writes pass the record id the gateway derives from the caller's idempotency key.

pub mod convert;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use qashyq_platform::{
    ApiError, paging,
    principal::{Caller, PrincipalKey},
    request_key,
    validate::Violations,
};
use qashyq_proto::{
    assignments::v1::{self as pb, assignments_service_server::AssignmentsService},
    common::v1::{PageRequest, PageResponse},
};
use tonic::{Request, Response, Status, Streaming};
use uuid::Uuid;

use crate::app::AssignmentsApp;

pub struct AssignmentsApi {
    app: Arc<AssignmentsApp>,
    principals: PrincipalKey,
}

impl AssignmentsApi {
    pub fn new(app: Arc<AssignmentsApp>, principals: PrincipalKey) -> Self {
        Self { app, principals }
    }

    fn caller<T>(&self, request: &Request<T>) -> Result<Caller, Status> {
        Ok(self.principals.caller(request.metadata())?)
    }
}

/// A page's size and the key after which it starts; the key carries the query's subject (a
/// teacher, a school) so a token from another query is refused.
fn page<K: serde::de::DeserializeOwned>(page: Option<&PageRequest>, subject: Uuid) -> Result<(u32, Option<K>), ApiError> {
    let page = page.cloned().unwrap_or_default();
    let size = paging::page_size(page.page_size, "page.page_size")?;
    let key: Option<(Uuid, K)> = paging::decode_token(&page.page_token, "page.page_token")?;
    match key {
        Some((of, _)) if of != subject => Err(ApiError::invalid("page.page_token", "is a token of another query")),
        Some((_, key)) => Ok((size, Some(key))),
        None => Ok((size, None)),
    }
}

fn next_page<K: serde::Serialize>(full: bool, subject: Uuid, last: Option<K>) -> Option<PageResponse> {
    let next_page_token = match (full, last) {
        (true, Some(key)) => paging::encode_token(&(subject, key)),
        _ => String::new(),
    };
    Some(PageResponse { next_page_token })
}

#[tonic::async_trait]
impl AssignmentsService for AssignmentsApi {
    #[tracing::instrument(skip_all, fields(class_id = %request.get_ref().class_id))]
    async fn post_homework(&self, request: Request<pb::PostHomeworkRequest>) -> Result<Response<pb::Homework>, Status> {
        let caller = self.caller(&request)?;
        let request_id = request_key::record_id(request.metadata());
        let post = convert::post_homework(request.get_ref())?;
        let homework = self.app.post_homework(&caller, post, request_id).await?;
        Ok(Response::new(convert::homework_to_proto(&homework)))
    }

    async fn get_homework(&self, request: Request<pb::GetHomeworkRequest>) -> Result<Response<pb::Homework>, Status> {
        let mut v = Violations::new();
        let id = v.uuid("homework_id", &request.get_ref().homework_id);
        let id = v.values(id)?;
        let caller = self.caller(&request)?;
        Ok(Response::new(convert::homework_to_proto(&self.app.get_homework(&caller, id).await?)))
    }

    #[tracing::instrument(skip_all, fields(homework_id = %request.get_ref().homework_id))]
    async fn edit_homework(&self, request: Request<pb::EditHomeworkRequest>) -> Result<Response<pb::Homework>, Status> {
        let caller = self.caller(&request)?;
        let edit = convert::edit_homework(request.get_ref())?;
        Ok(Response::new(convert::homework_to_proto(&self.app.edit_homework(&caller, edit).await?)))
    }

    #[tracing::instrument(skip_all, fields(homework_id = %request.get_ref().homework_id))]
    async fn withdraw_homework(&self, request: Request<pb::WithdrawHomeworkRequest>) -> Result<Response<pb::Homework>, Status> {
        let caller = self.caller(&request)?;
        let (id, version) = convert::withdraw_homework(request.get_ref())?;
        Ok(Response::new(convert::homework_to_proto(&self.app.withdraw_homework(&caller, id, version).await?)))
    }

    async fn list_class_homework(&self, request: Request<pb::ListClassHomeworkRequest>) -> Result<Response<pb::ListClassHomeworkResponse>, Status> {
        let caller = self.caller(&request)?;
        let (class_id, from, to) = convert::list_class_homework(request.get_ref())?;
        let homework = self.app.class_homework(&caller, class_id, from, to, request.get_ref().include_withdrawn).await?;
        Ok(Response::new(pb::ListClassHomeworkResponse { homework: homework.iter().map(convert::homework_to_proto).collect() }))
    }

    #[tracing::instrument(skip_all)]
    async fn upload_attachment(&self, request: Request<Streaming<pb::UploadAttachmentRequest>>) -> Result<Response<pb::Attachment>, Status> {
        let caller = self.caller(&request)?;
        let mut stream = request.into_inner();
        let first = stream.next().await.transpose()?.and_then(|m| m.part);
        let header = match first {
            Some(pb::upload_attachment_request::Part::Header(header)) => convert::upload_header(Some(&header))?,
            _ => return Err(ApiError::invalid("header", "the first message must be the header").into()),
        };
        let chunks = stream.map(|message| match message.map(|m| m.part) {
            Ok(Some(pb::upload_attachment_request::Part::Chunk(bytes))) => Ok(bytes::Bytes::from(bytes)),
            Ok(_) => Err(anyhow::anyhow!("every message after the header carries a chunk")),
            Err(status) => Err(anyhow::anyhow!("{}", status.message())),
        });
        let attachment = self.app.upload_attachment(&caller, header, chunks).await?;
        Ok(Response::new(convert::attachment_to_proto(&attachment)))
    }

    #[tracing::instrument(skip_all, fields(homework_id = %request.get_ref().homework_id, pupil_id = %request.get_ref().pupil_id))]
    async fn submit_work(&self, request: Request<pb::SubmitWorkRequest>) -> Result<Response<pb::Submission>, Status> {
        let caller = self.caller(&request)?;
        let request_id = request_key::record_id(request.metadata());
        let handing = convert::submit_work(request.get_ref())?;
        let work = self.app.submit_work(&caller, handing, request_id).await?;
        Ok(Response::new(convert::submission_to_proto(&work, None)))
    }

    #[tracing::instrument(skip_all, fields(submissions = request.get_ref().submissions.len()))]
    async fn submit_work_batch(&self, request: Request<pb::SubmitWorkBatchRequest>) -> Result<Response<pb::SubmitWorkBatchResponse>, Status> {
        let caller = self.caller(&request)?;
        let request_id = request_key::record_id(request.metadata());
        let handings = convert::submit_work_batch(request.get_ref())?;
        let works = self.app.submit_work_batch(&caller, handings, request_id).await?;
        Ok(Response::new(pb::SubmitWorkBatchResponse { submissions: works.iter().map(|w| convert::submission_to_proto(w, None)).collect() }))
    }

    async fn reclaim_work(&self, request: Request<pb::ReclaimWorkRequest>) -> Result<Response<pb::Submission>, Status> {
        let caller = self.caller(&request)?;
        let request_id = request_key::record_id(request.metadata());
        let (homework_id, pupil_id, actor) = convert::reclaim_work(request.get_ref())?;
        let work = self.app.reclaim_work(&caller, homework_id, pupil_id, actor, request_id).await?;
        Ok(Response::new(convert::submission_to_proto(&work, None)))
    }

    #[tracing::instrument(skip_all, fields(homework_id = %request.get_ref().homework_id, pupil_id = %request.get_ref().pupil_id))]
    async fn give_feedback(&self, request: Request<pb::GiveFeedbackRequest>) -> Result<Response<pb::Submission>, Status> {
        let caller = self.caller(&request)?;
        let request_id = request_key::record_id(request.metadata());
        let change = convert::give_feedback(request.get_ref())?;
        let work = self.app.give_feedback(&caller, change, request_id).await?;
        Ok(Response::new(convert::submission_to_proto(&work, None)))
    }

    #[tracing::instrument(skip_all, fields(homework_id = %request.get_ref().homework_id, pupil_id = %request.get_ref().pupil_id))]
    async fn return_work(&self, request: Request<pb::ReturnWorkRequest>) -> Result<Response<pb::Submission>, Status> {
        let caller = self.caller(&request)?;
        let request_id = request_key::record_id(request.metadata());
        let (change, rework) = convert::return_work(request.get_ref())?;
        let work = self.app.return_work(&caller, change, rework, request_id).await?;
        Ok(Response::new(convert::submission_to_proto(&work, None)))
    }

    async fn excuse_work(&self, request: Request<pb::ExcuseWorkRequest>) -> Result<Response<pb::Submission>, Status> {
        let caller = self.caller(&request)?;
        let request_id = request_key::record_id(request.metadata());
        let change = convert::excuse_work(request.get_ref())?;
        let work = self.app.excuse_work(&caller, change, request_id).await?;
        Ok(Response::new(convert::submission_to_proto(&work, None)))
    }

    async fn extend_deadline(&self, request: Request<pb::ExtendDeadlineRequest>) -> Result<Response<pb::Submission>, Status> {
        let caller = self.caller(&request)?;
        let request_id = request_key::record_id(request.metadata());
        let (change, until) = convert::extend_deadline(request.get_ref())?;
        let work = self.app.extend_deadline(&caller, change, until, request_id).await?;
        Ok(Response::new(convert::submission_to_proto(&work, None)))
    }

    async fn get_submission(&self, request: Request<pb::GetSubmissionRequest>) -> Result<Response<pb::Submission>, Status> {
        let caller = self.caller(&request)?;
        let (homework_id, pupil_id) = convert::homework_and_pupil(&request.get_ref().homework_id, &request.get_ref().pupil_id)?;
        let work = self.app.get_submission(&caller, homework_id, pupil_id).await?;
        Ok(Response::new(convert::submission_to_proto(&work, None)))
    }

    async fn get_submission_history(&self, request: Request<pb::GetSubmissionHistoryRequest>) -> Result<Response<pb::SubmissionHistory>, Status> {
        let caller = self.caller(&request)?;
        let (homework_id, pupil_id) = convert::homework_and_pupil(&request.get_ref().homework_id, &request.get_ref().pupil_id)?;
        let history = self.app.submission_history(&caller, homework_id, pupil_id).await?;
        Ok(Response::new(convert::history_to_proto(&history)))
    }

    async fn list_teacher_queue(&self, request: Request<pb::ListTeacherQueueRequest>) -> Result<Response<pb::ListTeacherQueueResponse>, Status> {
        let caller = self.caller(&request)?;
        let mut v = Violations::new();
        let teacher_id = v.uuid("teacher_id", &request.get_ref().teacher_id);
        let teacher_id = v.values(teacher_id)?;
        let (size, after) = page::<(DateTime<Utc>, Uuid)>(request.get_ref().page.as_ref(), teacher_id)?;
        let items = self.app.teacher_queue(&caller, teacher_id, after, size).await?;
        let last = items.last().map(|i| (i.turned_in_at, i.submission_id));
        Ok(Response::new(pb::ListTeacherQueueResponse {
            items: items.iter().map(convert::queued_to_proto).collect(),
            page: next_page(items.len() == size as usize, teacher_id, last),
        }))
    }

    async fn list_pupil_open_work(&self, request: Request<pb::ListPupilOpenWorkRequest>) -> Result<Response<pb::ListPupilOpenWorkResponse>, Status> {
        let caller = self.caller(&request)?;
        let mut v = Violations::new();
        let pupil_id = v.uuid("pupil_id", &request.get_ref().pupil_id);
        let pupil_id = v.values(pupil_id)?;
        let work = self.app.pupil_open_work(&caller, pupil_id).await?;
        Ok(Response::new(pb::ListPupilOpenWorkResponse { work: work.iter().map(convert::open_work_to_proto).collect() }))
    }

    #[tracing::instrument(skip_all, fields(pupil_id = %request.get_ref().pupil_id))]
    async fn record_mark(&self, request: Request<pb::RecordMarkRequest>) -> Result<Response<pb::Mark>, Status> {
        let caller = self.caller(&request)?;
        let request_id = request_key::record_id(request.metadata());
        let record = convert::record_mark(request.get_ref())?;
        Ok(Response::new(convert::mark_to_proto(&self.app.record_mark(&caller, record, request_id).await?)))
    }

    async fn list_pupil_marks(&self, request: Request<pb::ListPupilMarksRequest>) -> Result<Response<pb::ListPupilMarksResponse>, Status> {
        let caller = self.caller(&request)?;
        let mut v = Violations::new();
        let pupil_id = v.uuid("pupil_id", &request.get_ref().pupil_id);
        if !(2000..=2100).contains(&request.get_ref().school_year) {
            v.add("school_year", "must be the school year's first calendar year, 2000-2100");
        }
        let pupil_id = v.values(pupil_id)?;
        let marks = self.app.pupil_marks(&caller, pupil_id, request.get_ref().school_year).await?;
        Ok(Response::new(pb::ListPupilMarksResponse { marks: marks.iter().map(convert::mark_to_proto).collect() }))
    }

    #[tracing::instrument(skip_all, fields(class_id = %request.get_ref().class_id))]
    async fn record_conference(&self, request: Request<pb::RecordConferenceRequest>) -> Result<Response<pb::Conference>, Status> {
        let caller = self.caller(&request)?;
        let request_id = request_key::record_id(request.metadata());
        let conference = convert::record_conference(request.get_ref())?;
        Ok(Response::new(convert::conference_to_proto(&self.app.record_conference(&caller, conference, request_id).await?)))
    }

    async fn list_pupil_absences(&self, request: Request<pb::ListPupilAbsencesRequest>) -> Result<Response<pb::ListPupilAbsencesResponse>, Status> {
        let caller = self.caller(&request)?;
        let (pupil_id, from, to) = convert::pupil_dates(request.get_ref())?;
        let absences = self.app.pupil_absences(&caller, pupil_id, from, to).await?;
        Ok(Response::new(pb::ListPupilAbsencesResponse { absences: absences.iter().map(convert::absence_to_proto).collect() }))
    }

    async fn get_paper_pack(&self, request: Request<pb::GetPaperPackRequest>) -> Result<Response<pb::PaperPack>, Status> {
        let caller = self.caller(&request)?;
        let mut v = Violations::new();
        let class_id = v.uuid("class_id", &request.get_ref().class_id);
        let from = v.local_date("from", request.get_ref().from.as_ref());
        let (class_id, from) = v.values((class_id, from))?;
        let (pupils, homework) = self.app.paper_pack(&caller, class_id, from).await?;
        Ok(Response::new(pb::PaperPack {
            class_id: class_id.to_string(),
            pupils: pupils.iter().map(|p| pb::PaperPackPupil { pupil_id: p.pupil_id.to_string(), full_name: p.full_name.clone() }).collect(),
            homework: homework.iter().map(convert::homework_to_proto).collect(),
        }))
    }

    async fn record_collection_round(&self, request: Request<pb::RecordCollectionRoundRequest>) -> Result<Response<pb::CollectionRound>, Status> {
        let caller = self.caller(&request)?;
        let request_id = request_key::record_id(request.metadata());
        let round = convert::collection_round(request.get_ref())?;
        Ok(Response::new(convert::round_to_proto(&self.app.record_collection_round(&caller, round, request_id).await?)))
    }

    async fn list_paper_overdue(&self, request: Request<pb::ListPaperOverdueRequest>) -> Result<Response<pb::ListPaperOverdueResponse>, Status> {
        let caller = self.caller(&request)?;
        let mut v = Violations::new();
        let school_id = v.uuid("school_id", &request.get_ref().school_id);
        let school_id = v.values(school_id)?;
        let (size, after) = page::<(DateTime<Utc>, Uuid, Uuid)>(request.get_ref().page.as_ref(), school_id)?;
        let items = self.app.paper_overdue(&caller, school_id, after, size).await?;
        let last = items.last().map(|i| (i.deadline, i.homework_id, i.pupil_id));
        Ok(Response::new(pb::ListPaperOverdueResponse {
            items: items.iter().map(convert::overdue_to_proto).collect(),
            page: next_page(items.len() == size as usize, school_id, last),
        }))
    }
}
