# EMR Serverless Spark application for the bronze ingest and silver jobs. emr-7.x ships
# Spark 3.5 (the pyspark line the code location pins) and Iceberg; the Glue catalog is
# configured once here so every job run gets the same `glue` Iceberg catalog. The
# application starts on job submission and stops when idle, so it costs nothing between
# micro-batches. Jobs run with the runtime role from the iam module (passed per run).
# Kafka jobs add spark-sql-kafka and aws-msk-iam-auth jars (uploaded to the artifacts
# bucket under emr/jars/) to spark.jars at submission; a job-level spark.jars replaces
# the default below, so it must keep the Iceberg runtime in its list.

resource "aws_security_group" "this" {
  #checkov:skip=CKV2_AWS_5:Attached to aws_emrserverless_application.this (network_configuration), a resource type checkov's attachment graph does not know.
  name_prefix = "${var.name}-emr-"
  description = "EMR Serverless ${var.name}: egress to AWS APIs, MSK and in-VPC services"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-emr" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_egress_rule" "https" {
  security_group_id = aws_security_group.this.id
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  description       = "AWS APIs (S3 via gateway endpoint, Glue, STS, CloudWatch) over TLS"
}

resource "aws_vpc_security_group_egress_rule" "kafka" {
  security_group_id = aws_security_group.this.id
  cidr_ipv4         = var.vpc_cidr_block
  ip_protocol       = "tcp"
  from_port         = 9098
  to_port           = 9098
  description       = "MSK Serverless SASL/IAM inside the VPC"
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/shop-analytics/${var.name}/emr-serverless"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

resource "aws_emrserverless_application" "this" {
  name          = var.name
  release_label = var.release_label
  type          = "spark"
  architecture  = var.architecture

  auto_start_configuration {
    enabled = true
  }

  auto_stop_configuration {
    enabled              = true
    idle_timeout_minutes = var.idle_timeout_minutes
  }

  maximum_capacity {
    cpu    = "${var.max_vcpu} vCPU"
    memory = "${var.max_memory_gb} GB"
    disk   = "${var.max_disk_gb} GB"
  }

  network_configuration {
    subnet_ids         = var.subnet_ids
    security_group_ids = [aws_security_group.this.id]
  }

  monitoring_configuration {
    cloudwatch_logging_configuration {
      enabled                = true
      log_group_name         = aws_cloudwatch_log_group.this.name
      log_stream_name_prefix = "jobs"
      encryption_key_arn     = var.kms_key_arn

      log_types {
        name   = "SPARK_DRIVER"
        values = ["STDOUT", "STDERR"]
      }

      log_types {
        name   = "SPARK_EXECUTOR"
        values = ["STDERR"]
      }
    }

    s3_monitoring_configuration {
      log_uri            = "s3://${var.artifacts_bucket_name}/emr/logs/"
      encryption_key_arn = var.kms_key_arn
    }
  }

  runtime_configuration {
    classification = "spark-defaults"
    properties = {
      "spark.sql.extensions"                = "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions"
      "spark.sql.catalog.glue"              = "org.apache.iceberg.spark.SparkCatalog"
      "spark.sql.catalog.glue.catalog-impl" = "org.apache.iceberg.aws.glue.GlueCatalog"
      "spark.sql.catalog.glue.io-impl"      = "org.apache.iceberg.aws.s3.S3FileIO"
      "spark.sql.catalog.glue.warehouse"    = var.warehouse_path
      "spark.jars"                          = "/usr/share/aws/iceberg/lib/iceberg-spark3-runtime.jar"
      "spark.sql.shuffle.partitions"        = tostring(var.shuffle_partitions)
    }
  }

  tags = var.tags
}
