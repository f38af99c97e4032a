"""A small integrator's client of Qashyq in Python, on the stubs generate.py makes from proto/.

It does what an e-journal platform and a regional observer do through the gateway:
  1. logs in as an observer and reads the connectivity report of its region;
  2. with an integrator's API key, reads the TV grid (channels, a grade's day);
  3. posts homework twice with the same idempotency key: one homework is stored;
  4. follows the event feed, disconnects, and resumes from its last cursor: the homework posted
     meanwhile arrives once.

    PYTHONPATH=generated python qashyq_client.py --target 127.0.0.1:15050 --key qk_… \
        --login observer.almaty --password … --school-id … --class-id … --teacher-id …
"""

import argparse
import sys
import uuid

import grpc
from google.protobuf import timestamp_pb2

from qashyq.assignments.v1 import assignments_pb2, assignments_pb2_grpc
from qashyq.common.v1 import common_pb2
from qashyq.gateway.v1 import gateway_pb2, gateway_pb2_grpc
from qashyq.reporting.v1 import reporting_pb2, reporting_pb2_grpc
from qashyq.tvgrid.v1 import tvgrid_pb2, tvgrid_pb2_grpc


def bearer(credential: str):
    return [("authorization", f"Bearer {credential}")]


def homework_request(school_id: str, class_id: str, teacher_id: str, task: str):
    return assignments_pb2.PostHomeworkRequest(
        school_id=school_id,
        class_id=class_id,
        teacher_id=teacher_id,
        subject="mathematics",
        lesson_kind=assignments_pb2.LESSON_KIND_TV,
        tasks=[task],
        deadline=timestamp_pb2.Timestamp(seconds=4_102_444_800),
        lesson=assignments_pb2.LessonRef(tv_airing_id="2020-04-06/kk/5/1"),
        expected_minutes=15,
    )


def post_homework(channel, key: str, request, request_id: str) -> str:
    """Posts homework; a retry sends the same request with the same idempotency key."""
    stub = assignments_pb2_grpc.AssignmentsServiceStub(channel)
    homework = stub.PostHomework(request, metadata=bearer(key) + [("idempotency-key", request_id)], timeout=10)
    return homework.homework_id


def follow(channel, key: str, after: int, wanted: str, limit: int = 50):
    """Reads the feed after `after` until an event of type `wanted` arrives; returns the events
    (cursor, type, id) and the last cursor."""
    stub = gateway_pb2_grpc.FeedServiceStub(channel)
    stream = stub.Subscribe(gateway_pb2.SubscribeRequest(after_cursor=after), metadata=bearer(key), timeout=30)
    events, cursor = [], after
    try:
        for item in stream:
            if item.HasField("event"):
                cursor = item.event.cursor
                events.append((item.event.cursor, item.event.event.event_type, item.event.event.event_id))
                if item.event.event.event_type.endswith(wanted) or len(events) >= limit:
                    break
            else:
                cursor = max(cursor, item.heartbeat.cursor)
    finally:
        stream.cancel()
    return events, cursor


def main() -> int:
    parser = argparse.ArgumentParser()
    for name in ("target", "key", "login", "password", "school-id", "class-id", "teacher-id"):
        parser.add_argument(f"--{name}", required=True)
    parser.add_argument("--region", default="KZ-ALA")
    args = parser.parse_args()
    channel = grpc.insecure_channel(args.target)

    # 1. An observer signs in and reads its region's report.
    tokens = gateway_pb2_grpc.AuthServiceStub(channel).Login(gateway_pb2.LoginRequest(login=args.login, password=args.password), timeout=10)
    report = reporting_pb2_grpc.ReportingServiceStub(channel).GetConnectivityReport(
        reporting_pb2.GetConnectivityReportRequest(region_code=args.region), metadata=bearer(tokens.access_token), timeout=10
    )
    print(f"observer report: {report.total.schools} schools in {args.region}")
    try:
        reporting_pb2_grpc.ReportingServiceStub(channel).GetConnectivityReport(
            reporting_pb2.GetConnectivityReportRequest(region_code=""), metadata=bearer(tokens.access_token), timeout=10
        )
        print("an observer read the whole country", file=sys.stderr)
        return 1
    except grpc.RpcError as error:
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED, error
        print("observer refused the country: PERMISSION_DENIED")

    # 2. The integrator reads the TV grid.
    tv = tvgrid_pb2_grpc.TvGridServiceStub(channel)
    channels = tv.ListChannels(tvgrid_pb2.ListChannelsRequest(), metadata=bearer(args.key), timeout=10)
    day = tv.GetGradeDay(
        tvgrid_pb2.GetGradeDayRequest(language=common_pb2.LANGUAGE_KK, grade=5, date=common_pb2.LocalDate(year=2020, month=4, day=6)),
        metadata=bearer(args.key),
        timeout=10,
    )
    print(f"tv grid: {len(channels.channels)} channels, {len(day.airings)} airings of grade 5 (kk) on 2020-04-06")

    # 3. and 4. The feed before, the same homework twice, a reconnect, the feed after.
    _, cursor = follow(channel, args.key, 0, "ClassRegistered")
    teacher_id, request_id = args.teacher_id, str(uuid.uuid4())
    request = homework_request(args.school_id, args.class_id, teacher_id, "§ 14, № 3")
    first = post_homework(channel, args.key, request, request_id)
    again = post_homework(channel, args.key, request, request_id)
    assert first == again, (first, again)
    print(f"homework posted twice with one idempotency key: {first} both times")
    events, cursor = follow(channel, args.key, cursor, "HomeworkPosted")
    posted = [e for e in events if e[1].endswith("HomeworkPosted")]
    assert len(posted) == 1, events
    # Reconnect from the last cursor: a second homework arrives, the first does not again.
    second = post_homework(channel, args.key, homework_request(args.school_id, args.class_id, teacher_id, "§ 15"), str(uuid.uuid4()))
    events, _ = follow(channel, args.key, cursor, "HomeworkPosted")
    ids = {e[2] for e in events}
    assert posted[0][2] not in ids, "an event repeated after the reconnect"
    assert [e for e in events if e[1].endswith("HomeworkPosted")], "the homework posted after the reconnect"
    print(f"feed resumed after cursor {cursor}: homework {second} arrived once, nothing repeated")
    print("python client: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
