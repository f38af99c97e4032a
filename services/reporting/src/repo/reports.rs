//! Kept weekly reports (R-RP-1): rows and the document (movements, trends) of a finished week,
//! written once and read as written.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgPool, Row};

use crate::domain::{
    aggregate::Level,
    indicators::IndicatorId,
    report::{PastFigure, ReportDocument, ReportRow, WeeklyReport},
};

pub struct ReportRepo {
    pool: PgPool,
}

/// Which rows of a kept report to read.
#[derive(Debug, Clone)]
pub struct RowFilter {
    pub levels: Vec<Level>,
    pub region: Option<String>,
    /// The key of the last row of the previous page: (level, area, indicator).
    pub after: Option<(String, String, String)>,
    pub limit: i64,
}

impl ReportRepo {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// Keeps a report unless one is kept for its week already (the first one wins: a report
    /// reads the same later); true if this one was kept.
    pub async fn keep(&self, report: &WeeklyReport) -> Result<bool, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let document = serde_json::to_value(&report.document).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        let kept = sqlx::query("INSERT INTO weekly_reports (week, generated_at, document) VALUES ($1, $2, $3) ON CONFLICT (week) DO NOTHING")
            .bind(report.week)
            .bind(report.generated_at)
            .bind(document)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
        if !kept {
            return Ok(false);
        }
        for chunk in report.rows.chunks(5_000) {
            let mut builder = sqlx::QueryBuilder::new(
                "INSERT INTO weekly_report_rows (week, level, region_code, area_code, area_name, indicator, value, numerator, denominator, previous_value) ",
            );
            builder.push_values(chunk, |mut b, row| {
                b.push_bind(report.week)
                    .push_bind(row.level.as_str())
                    .push_bind(&row.region_code)
                    .push_bind(&row.area_code)
                    .push_bind(&row.area_name)
                    .push_bind(row.indicator.name())
                    .push_bind(row.value)
                    .push_bind(row.numerator)
                    .push_bind(row.denominator)
                    .push_bind(row.previous_value);
            });
            builder.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// A kept report's header and document.
    pub async fn header(&self, week: NaiveDate) -> Result<Option<(DateTime<Utc>, ReportDocument)>, sqlx::Error> {
        let row = sqlx::query("SELECT generated_at, document FROM weekly_reports WHERE week = $1").bind(week).fetch_optional(&self.pool).await?;
        row.map(|row| {
            let document: serde_json::Value = row.try_get("document")?;
            let document = serde_json::from_value(document).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
            Ok((row.try_get("generated_at")?, document))
        })
        .transpose()
    }

    /// The figures of kept reports of the weeks from `from` to before `before`, of some
    /// (indicator, level) pairs.
    pub async fn history(&self, from: NaiveDate, before: NaiveDate, wanted: &[(IndicatorId, Level)]) -> Result<Vec<PastFigure>, sqlx::Error> {
        let indicators: Vec<&str> = wanted.iter().map(|(i, _)| i.name()).collect();
        let levels: Vec<&str> = wanted.iter().map(|(_, l)| l.as_str()).collect();
        let rows: Vec<(NaiveDate, String, String, String, String, f64)> = sqlx::query_as(
            "SELECT r.week, r.level, r.area_code, r.area_name, r.indicator, r.value FROM weekly_report_rows r \
             JOIN unnest($3::text[], $4::text[]) AS w (indicator, level) USING (indicator, level) \
             WHERE r.week >= $1 AND r.week < $2 ORDER BY r.week",
        )
        .bind(from)
        .bind(before)
        .bind(&indicators)
        .bind(&levels)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(week, level, code, name, indicator, value)| Some((week, Level::parse(&level)?, code, name, IndicatorId::parse(&indicator)?, value)))
            .collect())
    }

    /// Rows of a kept report, ordered by level, area and indicator.
    pub async fn rows(&self, week: NaiveDate, filter: &RowFilter) -> Result<Vec<ReportRow>, sqlx::Error> {
        let levels: Vec<&str> = filter.levels.iter().map(|l| l.as_str()).collect();
        let (after_level, after_area, after_indicator) = filter.after.clone().unwrap_or_default();
        let rows: Vec<(String, String, String, String, String, f64, i64, i64, Option<f64>)> = sqlx::query_as(
            "SELECT level, region_code, area_code, area_name, indicator, value, numerator, denominator, previous_value FROM weekly_report_rows \
             WHERE week = $1 AND level = ANY($2) AND ($3::text IS NULL OR region_code = $3) AND (level, area_code, indicator) > ($4, $5, $6) \
             ORDER BY level, area_code, indicator LIMIT $7",
        )
        .bind(week)
        .bind(&levels)
        .bind(&filter.region)
        .bind(after_level)
        .bind(after_area)
        .bind(after_indicator)
        .bind(filter.limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(level, region_code, area_code, area_name, indicator, value, numerator, denominator, previous_value)| {
                // A row of an indicator or level a later version retired is not shown.
                Some(ReportRow {
                    level: Level::parse(&level)?,
                    region_code,
                    area_code,
                    area_name,
                    indicator: IndicatorId::parse(&indicator)?,
                    value,
                    numerator,
                    denominator,
                    previous_value,
                })
            })
            .collect())
    }
}
