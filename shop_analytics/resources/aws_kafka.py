"""Amazon MSK with IAM authentication, for both Kafka clients of the platform.

Two clients talk to Kafka and they authenticate differently against MSK's IAM listener
(SASL over TLS, port 9098):

- librdkafka (confluent-kafka: the sensor's offset probes, admin, the simulator) uses
  SASL/OAUTHBEARER with a token that ``aws-msk-iam-sasl-signer-python`` signs from the
  default AWS credentials (the ECS task role); ``oauth_cb`` hands it to librdkafka and is
  called again before the token expires.
- The Java client inside Spark's Kafka source uses the ``AWS_MSK_IAM`` SASL mechanism of
  ``aws-msk-iam-auth`` (in the ``spark-aws`` jar group; on EMR Serverless uploaded with the
  job's jars). Its settings are ``client_config``, which the bronze asset passes to the
  source as ``kafka.<name>`` options.

Nothing here connects anywhere until a client is made; making the token is local signing.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from shop_analytics.resources.kafka import KafkaResource

MSK_IAM_PORT = 9098
# Java Kafka client settings for the AWS_MSK_IAM mechanism (what Spark's Kafka source gets).
MSK_IAM_JAVA_CLIENT_CONFIG: dict[str, str] = {
    "security.protocol": "SASL_SSL",
    "sasl.mechanism": "AWS_MSK_IAM",
    "sasl.jaas.config": "software.amazon.msk.auth.iam.IAMLoginModule required;",
    "sasl.client.callback.handler.class": "software.amazon.msk.auth.iam.IAMClientCallbackHandler",
}


def msk_oauth_token(region: str) -> tuple[str, float]:
    """An MSK IAM auth token and its expiry in seconds since the epoch (librdkafka's oauth_cb).

    Signed locally (SigV4 presigned URL) with the default credential chain; no AWS call.
    """
    from aws_msk_iam_sasl_signer import MSKAuthTokenProvider

    token, expiry_ms = MSKAuthTokenProvider.generate_auth_token(region)
    return token, expiry_ms / 1000


class MskIamKafkaResource(KafkaResource):
    """Kafka on Amazon MSK with IAM auth.

    ``client_config`` holds the Java client's SASL settings (for Spark's Kafka source);
    ``librdkafka_config`` holds extra settings for confluent-kafka clients, whose SASL
    settings and token callback ``base_config()`` adds.
    """

    region: str = Field(description="AWS region of the MSK cluster (SHOP_AWS_REGION)")
    topic_prefix: str = Field(
        default="", description="Topics this code location may use (SHOP_KAFKA_TOPIC_PREFIX); IAM grants end there"
    )
    client_config: dict[str, Any] = Field(
        default_factory=lambda: dict(MSK_IAM_JAVA_CLIENT_CONFIG),
        description="Java Kafka client settings for Spark's Kafka source (AWS_MSK_IAM over SASL_SSL)",
    )
    librdkafka_config: dict[str, Any] = Field(
        default_factory=dict, description="Extra librdkafka settings for confluent-kafka clients"
    )

    def base_config(self) -> dict[str, Any]:
        region = self.region
        return {
            "bootstrap.servers": self.bootstrap_servers,
            "security.protocol": "SASL_SSL",
            "sasl.mechanism": "OAUTHBEARER",
            "oauth_cb": lambda _config: msk_oauth_token(region),
            **self.librdkafka_config,
        }

    def end_offsets(self, topic: str) -> dict[int, int]:
        self.check_topic(topic)
        return super().end_offsets(topic)

    def check_topic(self, topic: str) -> None:
        """Fail with a clear message for a topic outside the IAM grants, before MSK denies it."""
        if self.topic_prefix and not topic.startswith(self.topic_prefix):
            raise ValueError(
                f"topic {topic!r} does not start with SHOP_KAFKA_TOPIC_PREFIX={self.topic_prefix!r}: "
                "the code location's IAM role may only use those topics (deploy/terraform, module iam)"
            )
