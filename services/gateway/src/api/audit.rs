//! The observers' audit (R-GW-2): every call an observer makes is written here — who, which
//! method, which record, when, and how it ended — before its answer is returned (a read that
//! cannot be audited is not answered). The Ministry reads it through `AuditService`.

use chrono::{DateTime, Duration, Utc};
use qashyq_platform::{
    ApiError, paging,
    principal::{Principal, Role},
    time::to_timestamp,
    validate::Violations,
};
use qashyq_proto::gateway::v1::{self as pb, audit_service_server::AuditService};
use sqlx::PgPool;
use tonic::{Request, Response, Status};
use uuid::Uuid;

use super::role_to_proto;

/// Longest time range one query covers.
const MAX_RANGE_DAYS: i64 = 31;

#[derive(Clone)]
pub struct AuditLog {
    pool: PgPool,
}

impl AuditLog {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    pub async fn write(&self, principal: &Principal, method: &str, record: &str, code: tonic::Code) -> Result<(), sqlx::Error> {
        sqlx::query("INSERT INTO audit_log (principal_id, principal_name, role, method, record, code) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(principal.id)
            .bind(&principal.name)
            .bind(principal.role.as_str())
            .bind(method)
            .bind(record)
            .bind(code as i32)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

pub struct AuditApi {
    log: AuditLog,
}

impl AuditApi {
    pub fn new(log: AuditLog) -> Self {
        Self { log }
    }
}

type EntryRow = (i64, Uuid, String, String, String, String, DateTime<Utc>, i32);

#[tonic::async_trait]
impl AuditService for AuditApi {
    async fn list_audit_entries(&self, request: Request<pb::ListAuditEntriesRequest>) -> Result<Response<pb::ListAuditEntriesResponse>, Status> {
        let request = request.get_ref();
        let mut v = Violations::new();
        let principal = if request.principal_id.is_empty() { Some(None) } else { v.uuid("principal_id", &request.principal_id).map(Some) };
        let from = v.timestamp("from", request.from.as_ref());
        let to = v.timestamp("to", request.to.as_ref());
        if let (Some(from), Some(to)) = (from, to) {
            if to < from {
                v.add("to", "is before from");
            } else if to - from > Duration::days(MAX_RANGE_DAYS) {
                v.add("to", format!("is more than {MAX_RANGE_DAYS} days after from"));
            }
        }
        let (principal, from, to) = v.values((principal, from, to))?;
        let size = paging::page_size(request.page_size, "page_size")?;
        let after: Option<(DateTime<Utc>, i64)> = paging::decode_token(&request.page_token, "page_token")?;
        let (after_at, after_id) = after.unzip();
        let rows: Vec<EntryRow> = sqlx::query_as(
            "SELECT entry_id, principal_id, principal_name, role, method, record, at, code FROM audit_log \
             WHERE at >= $1 AND at < $2 AND ($3::uuid IS NULL OR principal_id = $3) \
               AND ($4::timestamptz IS NULL OR (at, entry_id) > ($4, $5)) \
             ORDER BY at, entry_id LIMIT $6",
        )
        .bind(from)
        .bind(to)
        .bind(principal)
        .bind(after_at)
        .bind(after_id)
        .bind(i64::from(size) + 1)
        .fetch_all(&self.log.pool)
        .await
        .map_err(ApiError::from)?;
        let more = rows.len() > size as usize;
        let rows = &rows[..rows.len().min(size as usize)];
        let next_page_token = match rows.last() {
            Some(last) if more => paging::encode_token(&(last.6, last.0)),
            _ => String::new(),
        };
        let entries = rows
            .iter()
            .map(|(_, principal_id, principal_name, role, method, record, at, code)| pb::AuditEntry {
                principal_id: principal_id.to_string(),
                principal_name: principal_name.clone(),
                role: Role::parse(role).map_or(pb::Role::Unspecified, role_to_proto) as i32,
                method: method.clone(),
                record: record.clone(),
                at: Some(to_timestamp(*at)),
                code: *code,
            })
            .collect();
        Ok(Response::new(pb::ListAuditEntriesResponse { entries, next_page_token }))
    }
}
