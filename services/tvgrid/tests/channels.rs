//! R-TV-1 over gRPC: channels by language and medium.

use qashyq_platform::error::field_violations;
use qashyq_proto::{
    common::v1::Language,
    tvgrid::v1::{ListChannelsRequest, Medium, tv_grid_service_client::TvGridServiceClient},
};
use qashyq_testkit::{TestDatabase, spawn, test_config};
use qashyq_tvgrid::TvGrid;

#[tokio::test]
async fn r_tv_1_kazakh_lessons_on_balapan_russian_on_el_arna() {
    let db = TestDatabase::create().await.unwrap();
    let service = spawn::<TvGrid>(test_config(db.url())).await.unwrap();
    let mut client = TvGridServiceClient::new(service.channel().await);

    let names = |channels: Vec<qashyq_proto::tvgrid::v1::Channel>| channels.into_iter().map(|c| c.name).collect::<Vec<_>>();
    let kk_tv = client.list_channels(ListChannelsRequest { language: Language::Kk as i32, medium: Medium::Tv as i32 }).await.unwrap();
    assert_eq!(names(kk_tv.into_inner().channels), ["Balapan"]);
    let ru_radio = client.list_channels(ListChannelsRequest { language: Language::Ru as i32, medium: Medium::Radio as i32 }).await.unwrap();
    assert_eq!(names(ru_radio.into_inner().channels), ["Radio Classic"]);
    let all = client.list_channels(ListChannelsRequest::default()).await.unwrap();
    assert_eq!(all.into_inner().channels.len(), 4);

    let status = client.list_channels(ListChannelsRequest { language: 7, medium: 9 }).await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    let fields: Vec<_> = field_violations(&status).into_iter().map(|v| v.field).collect();
    assert_eq!(fields, ["language", "medium"]);
    service.stop().await.unwrap();
}
