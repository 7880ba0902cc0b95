# Roles of the platform, each with only what its process does:
#   ecs_execution  ECS agent: pull the image, write container logs, read the two secrets
#   dagster_control webserver and daemon: read compute logs (runs execute in the code location)
#   code_location  the code server and the runs it launches: warehouse, catalog, topics,
#                  EMR Serverless job submission, dbt-glue sessions, compute logs
#   emr_job        EMR Serverless job runtime: warehouse, catalog, topics, its log group
#   glue_session   dbt-glue interactive sessions: warehouse and catalog
# Topic and group grants are scoped to one MSK cluster and var.kafka_topic_prefix.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.region
  partition  = data.aws_partition.current.partition

  glue_catalog_arn  = "arn:${local.partition}:glue:${local.region}:${local.account_id}:catalog"
  glue_database_arn = [for db in var.glue_database_names : "arn:${local.partition}:glue:${local.region}:${local.account_id}:database/${db}"]
  glue_table_arn    = [for db in var.glue_database_names : "arn:${local.partition}:glue:${local.region}:${local.account_id}:table/${db}/*"]

  kafka_topic_arn = "arn:${local.partition}:kafka:${local.region}:${local.account_id}:topic/${var.msk_cluster_name}/${var.msk_cluster_uuid}/${var.kafka_topic_prefix}*"
  kafka_group_arn = "arn:${local.partition}:kafka:${local.region}:${local.account_id}:group/${var.msk_cluster_name}/${var.msk_cluster_uuid}/*"

  ecr_repository_arn = "arn:${local.partition}:ecr:${local.region}:${local.account_id}:repository/${var.ecr_repository_name}"
  ecs_log_groups_arn = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${var.ecs_log_group_prefix}/*"
}

# ---------------------------------------------------------------------------------------
# Reusable statements
# ---------------------------------------------------------------------------------------

data "aws_iam_policy_document" "warehouse_rw" {
  statement {
    sid       = "ListWarehouse"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [var.warehouse_bucket_arn]
  }

  statement {
    sid       = "ReadWriteWarehouseObjects"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
    resources = ["${var.warehouse_bucket_arn}/*"]
  }

  statement {
    sid       = "UseEnvironmentKeyForS3"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
  }
}

data "aws_iam_policy_document" "glue_catalog_rw" {
  statement {
    sid = "ReadWriteLayerDatabases"
    actions = [
      "glue:GetDatabase",
      "glue:GetDatabases",
      "glue:GetTable",
      "glue:GetTables",
      "glue:CreateTable",
      "glue:UpdateTable",
      "glue:DeleteTable",
      "glue:GetPartitions",
      "glue:BatchGetPartition",
    ]
    resources = concat([local.glue_catalog_arn], local.glue_database_arn, local.glue_table_arn)
  }
}

data "aws_iam_policy_document" "kafka_rw" {
  statement {
    sid       = "ConnectToCluster"
    actions   = ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster", "kafka-cluster:WriteDataIdempotently"]
    resources = [var.msk_cluster_arn]
  }

  statement {
    sid = "ReadWritePlatformTopics"
    actions = [
      "kafka-cluster:DescribeTopic",
      "kafka-cluster:DescribeTopicDynamicConfiguration",
      "kafka-cluster:ReadData",
      "kafka-cluster:WriteData",
    ]
    resources = [local.kafka_topic_arn]
  }

  statement {
    sid       = "UseConsumerGroups"
    actions   = ["kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"]
    resources = [local.kafka_group_arn]
  }
}

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

# ---------------------------------------------------------------------------------------
# ECS task execution role
# ---------------------------------------------------------------------------------------

data "aws_iam_policy_document" "ecs_execution" {
  statement {
    #checkov:skip=CKV_AWS_356:ecr:GetAuthorizationToken has no resource-level permissions; AWS requires Resource "*".
    sid       = "EcrLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid       = "PullCodeLocationImage"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
    resources = [local.ecr_repository_arn]
  }

  statement {
    sid       = "WriteContainerLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.ecs_log_groups_arn}:*"]
  }

  statement {
    sid       = "ReadInjectedSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = var.injected_secret_arns
  }

  statement {
    sid       = "DecryptInjectedSecrets"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${local.region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "ecs_execution" {
  name_prefix        = "${var.name_prefix}-ecs-exec-"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "ecs_execution" {
  name   = "pull-log-secrets"
  role   = aws_iam_role.ecs_execution.id
  policy = data.aws_iam_policy_document.ecs_execution.json
}

# ---------------------------------------------------------------------------------------
# Webserver and daemon
# ---------------------------------------------------------------------------------------

data "aws_iam_policy_document" "dagster_control" {
  statement {
    sid       = "ListComputeLogs"
    actions   = ["s3:ListBucket"]
    resources = [var.artifacts_bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.compute_log_prefix}/*"]
    }
  }

  statement {
    sid       = "ReadComputeLogs"
    actions   = ["s3:GetObject"]
    resources = ["${var.artifacts_bucket_arn}/${var.compute_log_prefix}/*"]
  }

  statement {
    sid       = "DecryptComputeLogs"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role" "dagster_control" {
  name_prefix        = "${var.name_prefix}-control-"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "dagster_control" {
  name   = "read-compute-logs"
  role   = aws_iam_role.dagster_control.id
  policy = data.aws_iam_policy_document.dagster_control.json
}

# ---------------------------------------------------------------------------------------
# Code location (and the runs it executes)
# ---------------------------------------------------------------------------------------

data "aws_iam_policy_document" "code_location" {
  source_policy_documents = [
    data.aws_iam_policy_document.warehouse_rw.json,
    data.aws_iam_policy_document.glue_catalog_rw.json,
    data.aws_iam_policy_document.kafka_rw.json,
  ]

  statement {
    sid       = "CreatePlatformTopics"
    actions   = ["kafka-cluster:CreateTopic", "kafka-cluster:AlterTopic"]
    resources = [local.kafka_topic_arn]
  }

  statement {
    sid       = "ListArtifacts"
    actions   = ["s3:ListBucket"]
    resources = [var.artifacts_bucket_arn]
  }

  statement {
    sid     = "WriteComputeLogsAndJobCode"
    actions = ["s3:GetObject", "s3:PutObject"]
    resources = [
      "${var.artifacts_bucket_arn}/${var.compute_log_prefix}/*",
      "${var.artifacts_bucket_arn}/emr/jobs/*",
      "${var.artifacts_bucket_arn}/emr/jars/*",
    ]
  }

  statement {
    sid       = "ReadJobLogs"
    actions   = ["s3:GetObject"]
    resources = ["${var.artifacts_bucket_arn}/emr/logs/*"]
  }

  statement {
    sid = "SubmitSparkJobs"
    actions = [
      "emr-serverless:GetApplication",
      "emr-serverless:StartJobRun",
      "emr-serverless:GetJobRun",
      "emr-serverless:CancelJobRun",
      "emr-serverless:ListJobRuns",
      "emr-serverless:GetDashboardForJobRun",
    ]
    resources = [var.emr_application_arn, "${var.emr_application_arn}/jobruns/*"]
  }

  statement {
    sid       = "PassEmrJobRole"
    actions   = ["iam:PassRole"]
    resources = [aws_iam_role.emr_job.arn]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["emr-serverless.amazonaws.com"]
    }
  }

  statement {
    sid = "RunDbtGlueSessions"
    actions = [
      "glue:CreateSession",
      "glue:GetSession",
      "glue:ListSessions",
      "glue:StopSession",
      "glue:DeleteSession",
      "glue:RunStatement",
      "glue:GetStatement",
      "glue:ListStatements",
      "glue:CancelStatement",
      "glue:TagResource",
    ]
    resources = ["arn:${local.partition}:glue:${local.region}:${local.account_id}:session/*"]
  }

  statement {
    sid       = "PassGlueSessionRole"
    actions   = ["iam:PassRole"]
    resources = [aws_iam_role.glue_session.arn]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["glue.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "code_location" {
  name_prefix        = "${var.name_prefix}-code-"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "code_location" {
  name   = "pipeline"
  role   = aws_iam_role.code_location.id
  policy = data.aws_iam_policy_document.code_location.json
}

# ---------------------------------------------------------------------------------------
# EMR Serverless job runtime role
# ---------------------------------------------------------------------------------------

data "aws_iam_policy_document" "emr_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["emr-serverless.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [var.emr_application_arn]
    }
  }
}

data "aws_iam_policy_document" "emr_job" {
  source_policy_documents = [
    data.aws_iam_policy_document.warehouse_rw.json,
    data.aws_iam_policy_document.glue_catalog_rw.json,
    data.aws_iam_policy_document.kafka_rw.json,
  ]

  statement {
    sid       = "ReadJobCode"
    actions   = ["s3:GetObject"]
    resources = ["${var.artifacts_bucket_arn}/emr/jobs/*", "${var.artifacts_bucket_arn}/emr/jars/*"]
  }

  statement {
    sid       = "WriteJobLogsToS3"
    actions   = ["s3:PutObject"]
    resources = ["${var.artifacts_bucket_arn}/emr/logs/*"]
  }

  statement {
    sid       = "ListArtifacts"
    actions   = ["s3:ListBucket"]
    resources = [var.artifacts_bucket_arn]
  }

  statement {
    sid       = "WriteJobLogsToCloudWatch"
    actions   = ["logs:DescribeLogStreams", "logs:CreateLogStream", "logs:PutLogEvents"]
    resources = [var.emr_log_group_arn, "${var.emr_log_group_arn}:*"]
  }

  statement {
    sid       = "FindJobLogGroup"
    actions   = ["logs:DescribeLogGroups"]
    resources = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:*"]
  }
}

resource "aws_iam_role" "emr_job" {
  name_prefix        = "${var.name_prefix}-emr-job-"
  assume_role_policy = data.aws_iam_policy_document.emr_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "emr_job" {
  name   = "spark-jobs"
  role   = aws_iam_role.emr_job.id
  policy = data.aws_iam_policy_document.emr_job.json
}

# ---------------------------------------------------------------------------------------
# dbt-glue interactive session role
# ---------------------------------------------------------------------------------------

data "aws_iam_policy_document" "glue_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["glue.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

data "aws_iam_policy_document" "glue_session" {
  source_policy_documents = [
    data.aws_iam_policy_document.warehouse_rw.json,
    data.aws_iam_policy_document.glue_catalog_rw.json,
  ]

  statement {
    sid       = "WriteSessionLogs"
    actions   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws-glue/*"]
  }
}

resource "aws_iam_role" "glue_session" {
  name_prefix        = "${var.name_prefix}-glue-"
  assume_role_policy = data.aws_iam_policy_document.glue_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "glue_session" {
  name   = "dbt-glue"
  role   = aws_iam_role.glue_session.id
  policy = data.aws_iam_policy_document.glue_session.json
}
