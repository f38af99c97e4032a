//! Reading an indicator's counts per school (and teacher) and week from the projections. One
//! statement per indicator: a common prefix narrows schools and classes to the filters and
//! gives each school its region's time zone; the indicator's own part counts.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;

use crate::domain::{
    aggregate::{BucketCell, Cell, Counted, SchoolPlace},
    indicators::IndicatorId,
};

/// What to count.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Filter {
    /// Mondays of the first and last week.
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub region: Option<String>,
    pub district: Option<String>,
    pub school: Option<String>,
    /// 0: every grade.
    pub grade: i32,
    /// "kk", "ru"; `None`: every language.
    pub language: Option<String>,
    pub channel: Option<String>,
}

/// The zones of the catalogue's regions: (codes, tz names).
pub type Zones = (Vec<String>, Vec<String>);

const PREFIX: &str = "WITH zones AS (SELECT * FROM unnest($1::text[], $2::text[]) AS z (region_code, tz)), \
     weeks AS (SELECT generate_series($3::date, $4::date, interval '1 week')::date AS week), \
     scope AS MATERIALIZED (SELECT s.school_id, s.region_code, s.connectivity, s.learning_mode, z.tz, \
                      $3::date::timestamp AT TIME ZONE z.tz AS starts, ($4::date + 7)::timestamp AT TIME ZONE z.tz AS ends \
               FROM schools s JOIN zones z USING (region_code) \
               WHERE ($5::text IS NULL OR s.region_code = $5) AND ($6::text IS NULL OR s.district_id = $6) AND ($7::text IS NULL OR s.school_id = $7)), \
     cls AS MATERIALIZED (SELECT c.class_id, c.weekly_lessons, s.* FROM classes c JOIN scope s USING (school_id) \
             WHERE ($8::int = 0 OR c.grade = $8) AND ($9::text IS NULL OR c.language = $9) AND $10::text IS NOT DISTINCT FROM $10 \
               AND $11::timestamptz IS NOT DISTINCT FROM $11) ";

/// The local week of a timestamp column in the row's zone.
macro_rules! week {
    ($column:literal) => {
        concat!("date_trunc('week', ", $column, " AT TIME ZONE c.tz)::date")
    };
}

/// A class's rows of a table in the query's weeks, summed per local week (and `by`): index
/// lookups per class, then a few rows per class out, for a region's few hundred classes or the
/// country's thousands alike.
fn of_class(table: &str, block: &str, sums: &str, by: &[&str], extra: &str) -> String {
    let by: String = by.iter().map(|column| format!(", t.{column}")).collect();
    format!(
        "FROM cls c CROSS JOIN LATERAL (SELECT date_trunc('week', t.{block} AT TIME ZONE c.tz)::date AS week{by}, {sums} FROM {table} t \
         WHERE t.class_id = c.class_id AND t.{block} >= c.starts AND t.{block} < c.ends {extra} GROUP BY 1{by}) r"
    )
}

const NATIONAL_RANGE: &str = "$3::date::timestamp AT TIME ZONE 'Asia/Almaty' AND t.at < ($4::date + 7)::timestamp AT TIME ZONE 'Asia/Almaty'";

/// The indicator's own part: rows of (school_id, teacher_id, week, num, den).
fn facts(indicator: IndicatorId) -> String {
    use IndicatorId::*;
    let due = |kinds: &str| of_class("homework", "deadline", "count(*) AS due", &[], &format!("AND NOT t.withdrawn {kinds}"));
    let pupils = |delivery: &str| {
        format!(
            "SELECT p.school_id, '' AS teacher_id, w.week, p.num, p.den FROM (SELECT c.school_id, count(*) FILTER (WHERE p.delivery = '{delivery}') AS num, count(*) AS den \
             FROM cls c JOIN pupils p ON p.class_id = c.class_id GROUP BY c.school_id) p CROSS JOIN weeks w"
        )
    };
    let schools = |column: &str, word: &str| {
        format!("SELECT s.school_id, '' AS teacher_id, w.week, (s.{column} = '{word}')::int AS num, 1 AS den FROM scope s CROSS JOIN weeks w")
    };
    let homework =
        |kinds: &str| format!("SELECT c.school_id, '' AS teacher_id, r.week, r.due AS num, 0 AS den {}", due(&format!("AND t.lesson_kind IN ({kinds})")));
    let national = |table_filter: &str| {
        format!(
            "SELECT '' AS school_id, '' AS teacher_id, date_trunc('week', t.at AT TIME ZONE 'Asia/Almaty')::date AS week, 1 AS num, 0 AS den {table_filter} AND t.at >= {NATIONAL_RANGE}"
        )
    };
    let submissions = of_class(
        "submission_blocks",
        "deadline_block",
        "sum(t.handed_in) AS handed_in, sum(t.on_time) AS on_time",
        &[],
        "AND ($10::text IS NULL OR t.channel = $10)",
    );
    match indicator {
        TimetableAlignedClasses => "SELECT s.school_id, '' AS teacher_id, w.week, CASE WHEN t.aligned THEN s.classes ELSE 0 END AS num, s.classes AS den \
             FROM (SELECT school_id, tz, count(*) AS classes FROM cls GROUP BY school_id, tz) s CROSS JOIN weeks w \
             LEFT JOIN LATERAL (SELECT t.aligned FROM timetable_states t WHERE t.school_id = s.school_id AND t.at < (w.week + 7)::timestamp AT TIME ZONE s.tz \
                                ORDER BY t.version DESC, t.aligned ASC LIMIT 1) t ON true"
            .to_owned(),
        HomeworkPerLesson => format!(
            "SELECT c.school_id, '' AS teacher_id, r.week, r.due AS num, 0 AS den {} \
             UNION ALL SELECT c.school_id, '', w.week, 0, c.weekly_lessons FROM cls c CROSS JOIN weeks w",
            due("")
        ),
        HomeworkAfterTvLessons => homework("'tv', 'audio'"),
        HomeworkAfterOwnLessons => homework("'webinar', 'own'"),
        SubmissionRate => format!(
            "SELECT c.school_id, '' AS teacher_id, r.week, r.handed_in AS num, 0 AS den {submissions} \
             UNION ALL SELECT c.school_id, '', r.week, 0, r.due * (SELECT count(*) FROM pupils p WHERE p.class_id = c.class_id) {}",
            due("")
        ),
        OnTimeRate => format!("SELECT c.school_id, '' AS teacher_id, r.week, r.on_time AS num, r.handed_in AS den {submissions}"),
        FeedbackPerSubmission => format!(
            "SELECT c.school_id, r.teacher_id, r.week, r.feedbacks AS num, r.attempts AS den {}",
            of_class("work_blocks", "block", "sum(t.feedbacks) AS feedbacks, sum(t.attempts) AS attempts", &["teacher_id"], "")
        ),
        FeedbackLatencyMedianMinutes | FeedbackLatencyP90Minutes => unreachable!("latencies are read as histograms"),
        Absences => "SELECT c.school_id, '' AS teacher_id, date_trunc('week', a.date)::date AS week, 1 AS num, 0 AS den FROM cls c \
             JOIN absences a ON a.class_id = c.class_id AND a.date >= $3::date AND a.date < $4::date + 7 AND NOT a.withdrawn"
            .to_owned(),
        PupilsBroadband => pupils("broadband"),
        PupilsTvOnly => pupils("tv_only"),
        PupilsPaper => pupils("paper"),
        PaperWorkOverdue => format!(
            "SELECT c.school_id, '' AS teacher_id, {} AS week, greatest(c.paper - coalesce(w.handed_in, 0), 0) AS num, 0 AS den \
             FROM (SELECT c.*, (SELECT count(*) FROM pupils p WHERE p.class_id = c.class_id AND p.delivery = 'paper') AS paper FROM cls c) c \
             CROSS JOIN LATERAL (SELECT * FROM homework t WHERE t.class_id = c.class_id AND t.deadline >= c.starts AND t.deadline < c.ends AND NOT t.withdrawn) r \
             LEFT JOIN paper_work w ON w.homework_id = r.homework_id \
             WHERE c.paper > 0 AND r.deadline < $11",
            week!("r.deadline")
        ),
        SchoolsBroadband => schools("connectivity", "broadband"),
        SchoolsSlow => schools("connectivity", "slow"),
        SchoolsOffline => schools("connectivity", "none"),
        SchoolsDistance => schools("learning_mode", "distance"),
        SchoolsInPersonShifts => schools("learning_mode", "in_person_shifts"),
        SchoolsDutyClasses => schools("learning_mode", "duty_classes"),
        TvAssetsApproved => national("FROM tv_assets t WHERE t.event_kind = 'approved'"),
        TvLessonsWithContent => {
            national("FROM tv_assets t WHERE t.event_kind = 'scheduled' AND ($8::int = 0 OR t.grade = $8) AND ($9::text IS NULL OR t.language = $9)")
        }
        ProctoringSessionsScheduled => national("FROM (SELECT scheduled_start AS at FROM proctoring_sessions) t WHERE t.at IS NOT NULL"),
        ProctoringClean => national("FROM (SELECT verdict_at AS at FROM proctoring_sessions WHERE verdict = 'clean') t WHERE true"),
        ProctoringSuspicious => national("FROM (SELECT verdict_at AS at FROM proctoring_sessions WHERE verdict = 'suspicious') t WHERE true"),
        ProctoringViolation => national("FROM (SELECT verdict_at AS at FROM proctoring_sessions WHERE verdict = 'violation') t WHERE true"),
    }
}

fn latency_histograms() -> String {
    format!(
        "SELECT c.school_id, r.teacher_id, r.week, r.latency_bucket::bigint, sum(r.feedbacks)::bigint {} GROUP BY 1, 2, 3, 4",
        of_class("feedback_blocks", "given_block", "sum(t.feedbacks) AS feedbacks", &["teacher_id", "latency_bucket"], "")
    )
}

pub struct IndicatorRepo {
    pool: PgPool,
    zones: Zones,
}

impl IndicatorRepo {
    pub fn new(pool: PgPool, zones: Zones) -> Self {
        Self { pool, zones }
    }

    /// The counts of one indicator per school (and teacher) and week, as of `as_of`.
    pub async fn count(&self, indicator: IndicatorId, filter: &Filter, as_of: DateTime<Utc>) -> Result<Counted, sqlx::Error> {
        let latencies = matches!(indicator, IndicatorId::FeedbackLatencyMedianMinutes | IndicatorId::FeedbackLatencyP90Minutes);
        let sql = if latencies {
            format!("{PREFIX}{}", latency_histograms())
        } else {
            format!(
                "{PREFIX}, facts AS ({}) SELECT school_id, teacher_id, week, sum(num)::bigint, sum(den)::bigint FROM facts GROUP BY 1, 2, 3",
                facts(indicator)
            )
        };
        let query = sqlx::query_as::<_, (String, String, NaiveDate, i64, i64)>(&sql)
            .bind(&self.zones.0)
            .bind(&self.zones.1)
            .bind(filter.from)
            .bind(filter.to)
            .bind(&filter.region)
            .bind(&filter.district)
            .bind(&filter.school)
            .bind(filter.grade)
            .bind(&filter.language)
            .bind(&filter.channel)
            .bind(as_of);
        // Each is one analytical statement of tens of milliseconds: compiling it (JIT) would
        // cost more than it saves.
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET LOCAL jit = off").execute(&mut *tx).await?;
        let rows = query.fetch_all(&mut *tx).await?;
        tx.commit().await?;
        Ok(if latencies {
            Counted::Latencies(
                rows.into_iter()
                    .map(|(school_id, teacher_id, week, bucket, count)| BucketCell { school_id, teacher_id, week, bucket: bucket as i32, count })
                    .collect(),
            )
        } else {
            Counted::Counts(
                rows.into_iter()
                    .map(|(school_id, teacher_id, week, numerator, denominator)| Cell { school_id, teacher_id, week, numerator, denominator })
                    .collect(),
            )
        })
    }

    /// The schools in a filter's scope, with their places and names.
    pub async fn places(&self, filter: &Filter) -> Result<HashMap<String, SchoolPlace>, sqlx::Error> {
        let rows: Vec<(String, String, String, String, String)> = sqlx::query_as(
            "SELECT s.school_id, s.region_code, coalesce(s.district_id, ''), coalesce(d.name, ''), s.name FROM schools s LEFT JOIN districts d USING (district_id) \
             WHERE ($1::text IS NULL OR s.region_code = $1) AND ($2::text IS NULL OR s.district_id = $2) AND ($3::text IS NULL OR s.school_id = $3)",
        )
        .bind(&filter.region)
        .bind(&filter.district)
        .bind(&filter.school)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(school, region_code, district_id, district_name, school_name)| {
                (school, SchoolPlace { region_code, district_id, district_name, school_name })
            })
            .collect())
    }

    /// The region of a district the directory announced.
    pub async fn district_region(&self, district_id: &str) -> Result<Option<String>, sqlx::Error> {
        sqlx::query_scalar("SELECT region_code FROM districts WHERE district_id = $1").bind(district_id).fetch_optional(&self.pool).await
    }

    /// The region of a school the directory announced.
    pub async fn school_region(&self, school_id: &str) -> Result<Option<String>, sqlx::Error> {
        sqlx::query_scalar("SELECT region_code FROM schools WHERE school_id = $1").bind(school_id).fetch_optional(&self.pool).await
    }

    /// Teachers' names by id.
    pub async fn teacher_names(&self, ids: &[String]) -> Result<HashMap<String, String>, sqlx::Error> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT teacher_id, full_name FROM teachers WHERE teacher_id = ANY($1)").bind(ids).fetch_all(&self.pool).await?;
        Ok(rows.into_iter().collect())
    }
}
