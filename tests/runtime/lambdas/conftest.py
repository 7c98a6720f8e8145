"""A started sandbox and helpers to create functions and queues the AWS way."""

from __future__ import annotations

import io
import json
import textwrap
import zipfile

import boto3
import pytest
from botocore.config import Config

import course

NO_RETRY = Config(retries={"total_max_attempts": 1})  # a 429 is seen, not retried by botocore


def zip_of(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, source in files.items():
            archive.writestr(name, textwrap.dedent(source))
    return buffer.getvalue()


class Aws:
    """Clients of the running sandbox and the few resources every test needs."""

    def __init__(self):
        self.lam = boto3.client("lambda", config=NO_RETRY)
        self.sqs = boto3.client("sqs")
        self.sns = boto3.client("sns")
        self.s3 = boto3.client("s3")
        self.events = boto3.client("events")
        self.kinesis = boto3.client("kinesis")
        self.ddb = boto3.client("dynamodb")
        iam = boto3.client("iam")
        self.role = iam.create_role(RoleName="lambda-role", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"Service": "lambda.amazonaws.com"}}]}),
        )["Role"]["Arn"]

    def function(self, name: str, handler=None, files: dict | None = None, duration_s=None,
                 **settings) -> str:
        """Create ``name`` (a python3.12 function); register ``handler`` if given; return its ARN."""
        code = zip_of(files or {"app.py": "def handler(event, context):\n    return None\n"})
        arn = self.lam.create_function(FunctionName=name, Runtime="python3.12", Role=self.role,
                                       Handler=settings.pop("Handler", "app.handler"),
                                       Code={"ZipFile": code}, **settings)["FunctionArn"]
        if handler is not None:
            course.lambdas.handler_for(name, handler, duration_s=duration_s)
        return arn

    def queue(self, name: str, **attributes) -> tuple[str, str]:
        url = self.sqs.create_queue(QueueName=name, Attributes={k: str(v) for k, v in attributes.items()})["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn

    def count(self, url: str) -> tuple[int, int]:
        """(visible, in flight) messages of a queue."""
        a = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        return int(a["ApproximateNumberOfMessages"]), int(a["ApproximateNumberOfMessagesNotVisible"])

    def bodies(self, url: str) -> list:
        """Receive (and delete) every visible message, bodies parsed as JSON when they are."""
        found = []
        while True:
            messages = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                                MessageAttributeNames=["All"]).get("Messages", [])
            if not messages:
                return found
            for m in messages:
                try:
                    found.append(json.loads(m["Body"]))
                except ValueError:
                    found.append(m["Body"])
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


@pytest.fixture()
def sandbox():
    box = course.sandbox.start(quiet=True)
    yield box
    course.sandbox.start(quiet=True)


@pytest.fixture()
def aws(sandbox):
    return Aws()


@pytest.fixture()
def rt(sandbox):
    return course.lambdas.runtime()
