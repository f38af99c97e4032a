//! Dashboards' JSON and CSV over plain HTTP (R-RP-4): Grafana's JSON and Infinity data sources,
//! Superset and Power BI read HTTP, not gRPC. Each `GET` here becomes the reporting service's
//! gRPC call of the same method and goes through the same [`Guard`] as any gRPC call (the
//! caller's API key or access token, its role, its rate, the observer audit, the service's scope
//! checks); its typed answer is then written as JSON or CSV. Nothing is computed here.
//!
//! - `GET /v1/reports/indicators`: the indicators and their definitions;
//! - `GET /v1/reports/indicators/{id}?level=&region_code=&district_id=&school_id=&week_from=&week_to=&grade=&language=&channel=&page_size=&page_token=&format=json|csv`;
//! - `GET /v1/reports/weekly/{date}?region_code=&level=&page_size=&page_token=&format=json|csv|xlsx|html`;
//! - `GET /v1/reports/connectivity?region_code=`.
//!
//! A gRPC error becomes its HTTP status (`INVALID_ARGUMENT` 400, `UNAUTHENTICATED` 401,
//! `PERMISSION_DENIED` 403, …) with a small JSON body naming the offending fields.

use std::collections::HashMap;

use axum::{
    Json, Router,
    body::Body,
    extract::{Path, Query, State},
    response::{IntoResponse, Response},
    routing::get,
};
use http::{HeaderMap, HeaderValue, Method, Request, StatusCode, Version, header};
use http_body_util::BodyExt;
use prost::Message;
use qashyq_proto::{
    common::v1::{Language, LocalDate, PageRequest},
    reporting::v1 as pb,
};
use serde_json::{Value, json};
use tonic::{
    Code, Status,
    transport::server::{TcpConnectInfo, TlsConnectInfo},
};
use tower::ServiceExt;

use crate::{
    grpc_frame::{frame, unframe},
    guard::Guard,
};

const SERVICE: &str = "/qashyq.reporting.v1.ReportingService";
/// Request headers carried into the gRPC call: credentials and tracing.
const CARRIED: [&str; 4] = ["authorization", "x-api-key", "traceparent", "x-request-id"];

#[derive(Clone)]
pub struct Dashboards {
    guard: Guard<Router>,
}

/// The plain-HTTP routes, in front of the guarded gRPC router.
pub fn routes(guard: Guard<Router>) -> Router {
    Router::new()
        .route("/v1/reports/indicators", get(indicators))
        .route("/v1/reports/indicators/{id}", get(indicator))
        .route("/v1/reports/weekly/{week}", get(weekly))
        .route("/v1/reports/connectivity", get(connectivity))
        .with_state(Dashboards { guard })
}

/// Why an HTTP read was not answered: a gRPC status, or a parameter that is not even readable.
struct Failure(Status);

impl From<Status> for Failure {
    fn from(status: Status) -> Self {
        Self(status)
    }
}

fn bad(field: &str, description: impl Into<String>) -> Failure {
    Failure(qashyq_platform::ApiError::invalid(field, description).into())
}

fn http_status(code: Code) -> StatusCode {
    match code {
        Code::Ok => StatusCode::OK,
        Code::InvalidArgument | Code::FailedPrecondition | Code::OutOfRange => StatusCode::BAD_REQUEST,
        Code::Unauthenticated => StatusCode::UNAUTHORIZED,
        Code::PermissionDenied => StatusCode::FORBIDDEN,
        Code::NotFound => StatusCode::NOT_FOUND,
        Code::AlreadyExists | Code::Aborted => StatusCode::CONFLICT,
        Code::ResourceExhausted => StatusCode::TOO_MANY_REQUESTS,
        Code::Unimplemented => StatusCode::NOT_IMPLEMENTED,
        Code::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        Code::DeadlineExceeded => StatusCode::GATEWAY_TIMEOUT,
        Code::Cancelled | Code::Unknown | Code::Internal | Code::DataLoss => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let status = self.0;
        let fields: Vec<Value> =
            qashyq_platform::error::field_violations(&status).into_iter().map(|v| json!({ "field": v.field, "description": v.description })).collect();
        let code = format!("{:?}", status.code());
        let body = json!({ "code": code, "message": status.message(), "fields": fields });
        (http_status(status.code()), Json(body)).into_response()
    }
}

impl Dashboards {
    /// Calls a reporting method through the guard, as the HTTP caller.
    async fn call<Q: Message, A: Message + Default>(&self, method: &str, tls: &Tls, headers: &HeaderMap, request: &Q) -> Result<A, Failure> {
        let mut grpc = Request::builder()
            .method(Method::POST)
            .version(Version::HTTP_2)
            .uri(format!("{SERVICE}/{method}"))
            .header(header::CONTENT_TYPE, "application/grpc")
            .header(header::TE, "trailers")
            .body(Body::from(frame(request)))
            .map_err(|e| Failure(Status::internal(e.to_string())))?;
        for name in CARRIED {
            if let Some(value) = headers.get(name) {
                grpc.headers_mut().insert(name, value.clone());
            }
        }
        // A mutual-TLS client's certificate goes with it: the guard knows the caller by it.
        if let Some(info) = &tls.0 {
            grpc.extensions_mut().insert(info.clone());
        }
        let response = match self.guard.clone().oneshot(grpc).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
        let (parts, body) = response.into_parts();
        let collected = body.collect().await.map_err(|e| Failure(Status::unavailable(format!("the answer was cut off: {e}"))))?;
        let trailers = collected.trailers().filter(|t| t.contains_key("grpc-status")).cloned();
        let status = Status::from_header_map(trailers.as_ref().unwrap_or(&parts.headers)).unwrap_or_else(|| Status::unknown("no gRPC status in the answer"));
        if status.code() != Code::Ok {
            return Err(Failure(status));
        }
        let bytes = collected.to_bytes();
        let message = unframe(&bytes).ok_or_else(|| Failure(Status::internal("an answer that is not one gRPC message")))?;
        A::decode(message).map_err(|e| Failure(Status::internal(format!("an undecodable answer: {e}"))))
    }
}

type Params = Query<HashMap<String, String>>;

/// The TLS connection a call came over (the gateway's mutual-TLS port), if any.
struct Tls(Option<TlsConnectInfo<TcpConnectInfo>>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Tls {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(parts.extensions.get::<TlsConnectInfo<TcpConnectInfo>>().cloned()))
    }
}

fn param<'a>(params: &'a HashMap<String, String>, name: &str) -> &'a str {
    params.get(name).map_or("", String::as_str)
}

/// A date parameter, `YYYY-MM-DD`.
fn date(params: &HashMap<String, String>, name: &str) -> Result<Option<LocalDate>, Failure> {
    match params.get(name).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(raw) => chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .map(|d| Some(qashyq_platform::time::to_local_date(d)))
            .map_err(|_| bad(name, format!("{} is not a date (YYYY-MM-DD)", qashyq_platform::error::quote(raw)))),
    }
}

fn number(params: &HashMap<String, String>, name: &str) -> Result<i32, Failure> {
    match params.get(name).filter(|v| !v.is_empty()) {
        None => Ok(0),
        Some(raw) => raw.parse().map_err(|_| bad(name, format!("{} is not a whole number", qashyq_platform::error::quote(raw)))),
    }
}

fn level(params: &HashMap<String, String>) -> Result<i32, Failure> {
    Ok(match param(params, "level") {
        "" => pb::Level::Unspecified,
        "country" => pb::Level::Country,
        "region" => pb::Level::Region,
        "district" => pb::Level::District,
        "school" => pb::Level::School,
        "teacher" => pb::Level::Teacher,
        other => return Err(bad("level", format!("{} is not a level (country, region, district, school, teacher)", qashyq_platform::error::quote(other)))),
    } as i32)
}

fn language(params: &HashMap<String, String>) -> Result<i32, Failure> {
    Ok(match param(params, "language") {
        "" => Language::Unspecified,
        "kk" => Language::Kk,
        "ru" => Language::Ru,
        other => return Err(bad("language", format!("{} is not a language (kk, ru)", qashyq_platform::error::quote(other)))),
    } as i32)
}

fn page(params: &HashMap<String, String>) -> Result<Option<PageRequest>, Failure> {
    Ok(Some(PageRequest { page_size: number(params, "page_size")?, page_token: param(params, "page_token").to_owned() }))
}

/// `json` (the default) or `csv`, or for the weekly report also `xlsx` and `html`.
fn format<'a>(params: &'a HashMap<String, String>, allowed: &[&str]) -> Result<&'a str, Failure> {
    match param(params, "format") {
        "" => Ok("json"),
        f if allowed.contains(&f) => Ok(f),
        other => Err(bad("format", format!("{} is not a format here ({})", qashyq_platform::error::quote(other), allowed.join(", ")))),
    }
}

fn level_word(level: i32) -> &'static str {
    match pb::Level::try_from(level) {
        Ok(pb::Level::Country) => "country",
        Ok(pb::Level::Region) => "region",
        Ok(pb::Level::District) => "district",
        Ok(pb::Level::School) => "school",
        Ok(pb::Level::Teacher) => "teacher",
        _ => "",
    }
}

fn date_word(date: Option<&LocalDate>) -> String {
    date.map(|d| format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)).unwrap_or_default()
}

fn area_json(area: Option<&pb::Area>) -> Value {
    let area = area.cloned().unwrap_or_default();
    json!({ "level": level_word(area.level), "code": area.code, "name": area.name })
}

fn csv_response(records: Vec<Vec<String>>, next_page_token: &str) -> Result<Response, Failure> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for record in records {
        writer.write_record(record).map_err(|e| Failure(Status::internal(e.to_string())))?;
    }
    let bytes = writer.into_inner().map_err(|e| Failure(Status::internal(e.to_string())))?;
    let mut response = ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], bytes).into_response();
    if let Ok(token) = HeaderValue::from_str(next_page_token)
        && !next_page_token.is_empty()
    {
        response.headers_mut().insert("x-next-page-token", token);
    }
    Ok(response)
}

async fn indicators(State(d): State<Dashboards>, tls: Tls, headers: HeaderMap, Query(params): Params) -> Result<Response, Failure> {
    let answer: pb::ListIndicatorsResponse = d.call("ListIndicators", &tls, &headers, &pb::ListIndicatorsRequest {}).await?;
    let rows = answer.indicators.iter().map(|i| {
        json!({ "id": i.id, "title": i.title, "unit": i.unit, "definition": i.definition, "by_area": i.by_area, "by_grade": i.by_grade, "by_channel": i.by_channel, "by_teacher": i.by_teacher })
    });
    match format(&params, &["json", "csv"])? {
        "csv" => {
            let mut records = vec![["id", "title", "unit", "definition"].map(str::to_owned).to_vec()];
            records.extend(answer.indicators.iter().map(|i| vec![i.id.clone(), i.title.clone(), i.unit.clone(), i.definition.clone()]));
            csv_response(records, "")
        }
        _ => Ok(Json(json!({ "indicators": rows.collect::<Vec<_>>() })).into_response()),
    }
}

async fn indicator(State(d): State<Dashboards>, Path(id): Path<String>, tls: Tls, headers: HeaderMap, Query(params): Params) -> Result<Response, Failure> {
    let format = format(&params, &["json", "csv"])?;
    let request = pb::QueryIndicatorRequest {
        indicator: id,
        level: level(&params)?,
        region_code: param(&params, "region_code").to_owned(),
        district_id: param(&params, "district_id").to_owned(),
        school_id: param(&params, "school_id").to_owned(),
        week_from: date(&params, "week_from")?,
        week_to: date(&params, "week_to")?,
        grade: number(&params, "grade")?,
        language: language(&params)?,
        channel: param(&params, "channel").to_owned(),
        page: page(&params)?,
    };
    let answer: pb::QueryIndicatorResponse = d.call("QueryIndicator", &tls, &headers, &request).await?;
    let next = answer.page.map(|p| p.next_page_token).unwrap_or_default();
    if format == "csv" {
        let mut records = vec![["area_level", "area_code", "area_name", "week", "value", "numerator", "denominator"].map(str::to_owned).to_vec()];
        records.extend(answer.values.iter().map(|v| {
            let area = v.area.clone().unwrap_or_default();
            vec![
                level_word(area.level).to_owned(),
                area.code,
                area.name,
                date_word(v.week.as_ref()),
                v.value.to_string(),
                v.numerator.to_string(),
                v.denominator.to_string(),
            ]
        }));
        return csv_response(records, &next);
    }
    let values: Vec<Value> = answer
        .values
        .iter()
        .map(|v| json!({ "area": area_json(v.area.as_ref()), "week": date_word(v.week.as_ref()), "value": v.value, "numerator": v.numerator, "denominator": v.denominator }))
        .collect();
    let indicator = answer.indicator.unwrap_or_default();
    Ok(Json(json!({ "indicator": { "id": indicator.id, "title": indicator.title, "unit": indicator.unit }, "values": values, "next_page_token": next }))
        .into_response())
}

async fn weekly(State(d): State<Dashboards>, Path(week): Path<String>, tls: Tls, headers: HeaderMap, Query(params): Params) -> Result<Response, Failure> {
    let format = format(&params, &["json", "csv", "xlsx", "html"])?;
    let week = chrono::NaiveDate::parse_from_str(&week, "%Y-%m-%d")
        .map(qashyq_platform::time::to_local_date)
        .map_err(|_| bad("week", format!("{} is not a date (YYYY-MM-DD)", qashyq_platform::error::quote(&week))))?;
    let region_code = param(&params, "region_code").to_owned();
    if format != "json" {
        let document_format = match format {
            "csv" => pb::DocumentFormat::Csv,
            "xlsx" => pb::DocumentFormat::Xlsx,
            _ => pb::DocumentFormat::Html,
        };
        let request = pb::ExportWeeklyReportRequest { week: Some(week), region_code, format: document_format as i32 };
        let document: pb::ExportedDocument = d.call("ExportWeeklyReport", &tls, &headers, &request).await?;
        let disposition = format!("attachment; filename=\"{}\"", document.file_name.replace('"', ""));
        return Ok(([(header::CONTENT_TYPE, document.content_type), (header::CONTENT_DISPOSITION, disposition)], document.content).into_response());
    }
    let request = pb::GetWeeklyReportRequest { week: Some(week), region_code, level: level(&params)?, page: page(&params)? };
    let report: pb::WeeklyReport = d.call("GetWeeklyReport", &tls, &headers, &request).await?;
    let rows: Vec<Value> = report
        .rows
        .iter()
        .map(|r| {
            json!({ "area": area_json(r.area.as_ref()), "indicator": r.indicator, "value": r.value, "numerator": r.numerator, "denominator": r.denominator,
                    "previous_value": r.has_previous.then_some(r.previous_value) })
        })
        .collect();
    let movements: Vec<Value> = report
        .movements
        .iter()
        .map(|m| json!({ "area": area_json(m.area.as_ref()), "indicator": m.indicator, "previous_value": m.previous_value, "value": m.value, "change": m.change }))
        .collect();
    Ok(Json(json!({
        "week": date_word(report.week.as_ref()),
        "kept": report.kept,
        "rows": rows,
        "movements": movements,
        "next_page_token": report.page.map(|p| p.next_page_token).unwrap_or_default(),
    }))
    .into_response())
}

async fn connectivity(State(d): State<Dashboards>, tls: Tls, headers: HeaderMap, Query(params): Params) -> Result<Response, Failure> {
    let request = pb::GetConnectivityReportRequest { region_code: param(&params, "region_code").to_owned() };
    let report: pb::ConnectivityReport = d.call("GetConnectivityReport", &tls, &headers, &request).await?;
    let counts = |r: &pb::RegionConnectivity| json!({ "region_code": r.region_code, "schools": r.schools, "broadband": r.broadband, "slow": r.slow, "offline": r.offline });
    Ok(Json(json!({ "regions": report.regions.iter().map(counts).collect::<Vec<_>>(), "total": report.total.as_ref().map(counts) })).into_response())
}
