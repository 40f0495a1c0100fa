"""cdk.json's alarm_emails: each address subscribes to the shared alarm topic (and confirms by email)."""

from __future__ import annotations

from typing import Any


def test_each_address_subscribes_to_the_alarm_topic() -> None:
    from aws_cdk import App
    from aws_cdk.assertions import Template

    from stacks.shared_stack import SharedStack

    app = App(context={"@aws-cdk/core:enablePartitionLiterals": True})
    template = Template.from_stack(SharedStack(app, "shared", alarm_emails=("ml-oncall@example.com", "b@example.org")))
    subscriptions: dict[str, Any] = template.find_resources("AWS::SNS::Subscription")
    (topic_id,) = template.find_resources("AWS::SNS::Topic", {"Properties": {"DisplayName": "LMI serving alarms"}})
    assert sorted((s["Properties"]["Protocol"], s["Properties"]["Endpoint"]) for s in subscriptions.values()) == [
        ("email", "b@example.org"),
        ("email", "ml-oncall@example.com"),
    ]
    assert all(s["Properties"]["TopicArn"] == {"Ref": topic_id} for s in subscriptions.values())
    assert Template.from_stack(SharedStack(App(), "bare")).find_resources("AWS::SNS::Subscription") == {}
