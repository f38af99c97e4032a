//! The TV grid as the schedule service reads it: over gRPC from the TV grid service, which owns
//! it (this service never reads the grid's tables). A grade's TV day is cached for
//! `QASHYQ_SCHEDULE_TV_DAY_CACHE_SECONDS` (30 s): "what is on today" is asked by every pupil each morning, and the grid changes
//! at most a few times a campaign (a publication takes effect on a later day, never today).

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Duration as Days, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;
use qashyq_catalogue::{Grade, Language};
use qashyq_platform::{
    ApiError,
    grpc::client::{TraceContextInterceptor, lazy_channel},
    memo::Memo,
    time::{from_timestamp, to_local_date},
};
use qashyq_proto::tvgrid::v1::{GetGradeDayRequest, tv_grid_service_client::TvGridServiceClient};
use tonic::{codegen::InterceptedService, transport::Channel};

use crate::domain::timetable::{Day, Span, TvLesson, TvWeek};

/// One TV lesson of a grade's day: an instant, the same everywhere (shown in local time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TvAiring {
    pub subject: String,
    pub channel_id: String,
    pub starts: DateTime<Utc>,
    pub ends: DateTime<Utc>,
}

type Key = (Language, Grade, NaiveDate);

pub struct TvGrid {
    client: TvGridServiceClient<InterceptedService<Channel, TraceContextInterceptor>>,
    days: Memo<Key, Arc<Vec<TvAiring>>>,
}

impl TvGrid {
    /// A client of the TV grid at `url` that keeps a grade's day for `day_ttl`.
    pub fn new(url: &str, day_ttl: Duration) -> anyhow::Result<Self> {
        let client = TvGridServiceClient::with_interceptor(lazy_channel(url)?, TraceContextInterceptor);
        Ok(Self { client, days: Memo::new(day_ttl, 50_000) })
    }

    /// The TV lessons of a grade in a language on a date (none on a weekend or holiday).
    pub async fn day(&self, language: Language, grade: Grade, date: NaiveDate) -> Result<Arc<Vec<TvAiring>>, ApiError> {
        self.days.get_or_fill((language, grade, date), || self.fetch_day(language, grade, date)).await
    }

    async fn fetch_day(&self, language: Language, grade: Grade, date: NaiveDate) -> Result<Arc<Vec<TvAiring>>, ApiError> {
        let request =
            GetGradeDayRequest { language: qashyq_platform::language::to_proto(language), grade: grade.value().into(), date: Some(to_local_date(date)) };
        let response = self.client.clone().get_grade_day(request).await.map_err(|status| match status.code() {
            tonic::Code::Unavailable | tonic::Code::DeadlineExceeded => ApiError::Unavailable(format!("TV grid: {}", status.message())),
            _ => ApiError::internal(anyhow::anyhow!("TV grid answered {status}")),
        })?;
        let airings: Vec<TvAiring> = response
            .into_inner()
            .airings
            .into_iter()
            .filter_map(|a| {
                let starts = from_timestamp(a.starts.as_ref()?)?;
                let ends = from_timestamp(a.ends.as_ref()?)?;
                Some(TvAiring { subject: a.subject_code, channel_id: a.channel_id, starts, ends })
            })
            .collect();
        Ok(Arc::new(airings))
    }

    /// Drops every cached day (a new grid was published).
    pub async fn forget_all(&self) {
        self.days.clear().await;
    }

    /// The TV lessons of the Monday-to-Friday week of `date` for the given languages and grades,
    /// in minutes of the day of local time `zone`.
    pub async fn week(&self, of: NaiveDate, grades: &[(Language, Grade)], zone: Tz) -> Result<TvWeek, ApiError> {
        use chrono::Datelike;
        let monday = of - Days::days(i64::from(of.weekday().num_days_from_monday()));
        let mut week = TvWeek::default();
        for &(language, grade) in grades {
            for (offset, day) in Day::ALL.into_iter().enumerate() {
                let airings = self.day(language, grade, monday + Days::days(offset as i64)).await?;
                let minute = |t: &DateTime<Utc>| {
                    let local = t.with_timezone(&zone);
                    (local.hour() * 60 + local.minute()) as u16
                };
                let lessons =
                    airings.iter().map(|a| TvLesson { subject: a.subject.clone(), span: Span { start: minute(&a.starts), end: minute(&a.ends) } }).collect();
                week.lessons.insert((language, grade, day), lessons);
            }
        }
        Ok(week)
    }
}
