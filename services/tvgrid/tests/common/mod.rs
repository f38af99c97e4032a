//! What the grid's integration tests share: the 2020 grid imported and published, and a campaign
//! that runs today, for what depends on the clock (R-TV-6: past airings never change).
#![allow(dead_code)]

use chrono::{Datelike, Duration, NaiveDate, Utc, Weekday};
use qashyq_platform::time::to_local_date;
use qashyq_proto::{
    common::v1::LocalDate,
    tvgrid::v1::{ImportGridRequest, Publication, PublishGridRequest, tv_grid_service_client::TvGridServiceClient},
};
use qashyq_tvgrid::cli::spring_2020_request;
use tonic::transport::Channel;

pub type Client = TvGridServiceClient<Channel>;

pub fn day(year: i32, month: i32, day: i32) -> Option<LocalDate> {
    Some(LocalDate { year, month, day })
}

pub async fn publish(client: &mut Client, campaign: &str, version: i64) -> Publication {
    client.publish_grid(PublishGridRequest { campaign: campaign.into(), version, published_by: "grid-editor".into() }).await.unwrap().into_inner()
}

/// Imports the 2020 documents and publishes them: the grid then airs on its dates.
pub async fn publish_2020(client: &mut Client) -> Publication {
    client.import_grid(spring_2020_request("admin")).await.unwrap();
    publish(client, "2020-spring", 0).await
}

/// Today in Almaty.
pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&chrono_tz::Asia::Almaty).date_naive()
}

/// The 2020 grid on a campaign from four weeks ago to four weeks ahead, without holidays.
pub fn running_campaign(name: &str) -> ImportGridRequest {
    let mut request = spring_2020_request("admin");
    let campaign = request.campaign.as_mut().unwrap();
    campaign.name = name.to_owned();
    campaign.first_day = Some(to_local_date(today() - Duration::days(28)));
    campaign.last_day = Some(to_local_date(today() + Duration::days(28)));
    campaign.holidays.clear();
    campaign.planned_lessons = 0;
    campaign.planned_lessons_per_grade.clear();
    request
}

/// The first `weekday` strictly after `from`.
pub fn next(weekday: Weekday, from: NaiveDate) -> NaiveDate {
    from.iter_days().skip(1).find(|d| d.weekday() == weekday).unwrap()
}

/// The last `weekday` strictly before `from`.
pub fn previous(weekday: Weekday, from: NaiveDate) -> NaiveDate {
    (1..=7).map(|n| from - Duration::days(n)).find(|d| d.weekday() == weekday).unwrap()
}
