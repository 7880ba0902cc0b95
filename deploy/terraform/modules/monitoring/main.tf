# Infrastructure alarms to one SNS topic (subscribe e-mail here, or AWS Chatbot for
# Slack). Pipeline-level alerts (freshness, failed checks) come from Dagster's own Slack
# sensor; these alarms catch what Dagster cannot report: its own processes down, the
# database filling up, the ALB failing, Spark jobs failing on EMR.

resource "aws_sns_topic" "alarms" {
  name              = "${var.name}-alarms"
  kms_master_key_id = var.kms_key_arn
  tags              = var.tags
}

resource "aws_sns_topic_subscription" "email" {
  for_each  = toset(var.alarm_emails)
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = each.value
}

locals {
  actions = [aws_sns_topic.alarms.arn]
}

# --- ECS: each service running, not saturated ------------------------------------------

resource "aws_cloudwatch_metric_alarm" "ecs_running_tasks" {
  for_each            = var.ecs_service_names
  alarm_name          = "${var.name}-${each.key}-not-running"
  alarm_description   = "No running task of the Dagster ${each.key} service for 5 minutes."
  namespace           = "ECS/ContainerInsights"
  metric_name         = "RunningTaskCount"
  statistic           = "Minimum"
  period              = 60
  evaluation_periods  = 5
  comparison_operator = "LessThanThreshold"
  threshold           = 1
  treat_missing_data  = "breaching"
  dimensions = {
    ClusterName = var.ecs_cluster_name
    ServiceName = each.value
  }
  alarm_actions = local.actions
  ok_actions    = local.actions
  tags          = var.tags
}

resource "aws_cloudwatch_metric_alarm" "ecs_memory" {
  for_each            = var.ecs_service_names
  alarm_name          = "${var.name}-${each.key}-memory-high"
  alarm_description   = "Dagster ${each.key} above 85% of its memory for 15 minutes (runs in the code location may be OOM-killed next)."
  namespace           = "AWS/ECS"
  metric_name         = "MemoryUtilization"
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = 85
  treat_missing_data  = "notBreaching"
  dimensions = {
    ClusterName = var.ecs_cluster_name
    ServiceName = each.value
  }
  alarm_actions = local.actions
  ok_actions    = local.actions
  tags          = var.tags
}

resource "aws_cloudwatch_metric_alarm" "ecs_cpu" {
  for_each            = var.ecs_service_names
  alarm_name          = "${var.name}-${each.key}-cpu-high"
  alarm_description   = "Dagster ${each.key} above 90% CPU for 15 minutes."
  namespace           = "AWS/ECS"
  metric_name         = "CPUUtilization"
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = 90
  treat_missing_data  = "notBreaching"
  dimensions = {
    ClusterName = var.ecs_cluster_name
    ServiceName = each.value
  }
  alarm_actions = local.actions
  ok_actions    = local.actions
  tags          = var.tags
}

# Errors logged by the code location (failed sensor ticks, crashed runs).
resource "aws_cloudwatch_log_metric_filter" "code_location_errors" {
  name           = "${var.name}-code-location-errors"
  log_group_name = var.code_location_log_group_name
  pattern        = "?ERROR ?Traceback"

  metric_transformation {
    name          = "CodeLocationErrors"
    namespace     = "ShopAnalytics/${var.name}"
    value         = "1"
    default_value = "0"
  }
}

resource "aws_cloudwatch_metric_alarm" "code_location_errors" {
  alarm_name          = "${var.name}-code-location-errors"
  alarm_description   = "More than ${var.error_log_threshold} error lines from the code location in 15 minutes."
  namespace           = "ShopAnalytics/${var.name}"
  metric_name         = aws_cloudwatch_log_metric_filter.code_location_errors.metric_transformation[0].name
  statistic           = "Sum"
  period              = 900
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.error_log_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags
}

# --- ALB --------------------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "alb_unhealthy" {
  alarm_name          = "${var.name}-webserver-unhealthy"
  alarm_description   = "The ALB sees an unhealthy Dagster webserver target for 5 minutes."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "UnHealthyHostCount"
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  dimensions = {
    LoadBalancer = var.alb_arn_suffix
    TargetGroup  = var.target_group_arn_suffix
  }
  alarm_actions = local.actions
  ok_actions    = local.actions
  tags          = var.tags
}

resource "aws_cloudwatch_metric_alarm" "alb_5xx" {
  alarm_name          = "${var.name}-webserver-5xx"
  alarm_description   = "More than 10 HTTP 5xx answers from the Dagster webserver in 5 minutes."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "HTTPCode_Target_5XX_Count"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 10
  treat_missing_data  = "notBreaching"
  dimensions = {
    LoadBalancer = var.alb_arn_suffix
    TargetGroup  = var.target_group_arn_suffix
  }
  alarm_actions = local.actions
  ok_actions    = local.actions
  tags          = var.tags
}

# --- RDS --------------------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "rds_cpu" {
  alarm_name          = "${var.name}-rds-cpu-high"
  alarm_description   = "Dagster's PostgreSQL above 80% CPU for 15 minutes."
  namespace           = "AWS/RDS"
  metric_name         = "CPUUtilization"
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = 80
  dimensions          = { DBInstanceIdentifier = var.rds_instance_id }
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "rds_storage" {
  alarm_name          = "${var.name}-rds-storage-low"
  alarm_description   = "Less than ${var.rds_free_storage_threshold_gb} GB free on Dagster's PostgreSQL (event logs grow with every run)."
  namespace           = "AWS/RDS"
  metric_name         = "FreeStorageSpace"
  statistic           = "Minimum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "LessThanThreshold"
  threshold           = var.rds_free_storage_threshold_gb * 1024 * 1024 * 1024
  dimensions          = { DBInstanceIdentifier = var.rds_instance_id }
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "rds_memory" {
  alarm_name          = "${var.name}-rds-memory-low"
  alarm_description   = "Less than 64 MiB freeable memory on Dagster's PostgreSQL for 15 minutes."
  namespace           = "AWS/RDS"
  metric_name         = "FreeableMemory"
  statistic           = "Minimum"
  period              = 300
  evaluation_periods  = 3
  comparison_operator = "LessThanThreshold"
  threshold           = 64 * 1024 * 1024
  dimensions          = { DBInstanceIdentifier = var.rds_instance_id }
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags
}

# --- EMR Serverless ---------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "emr_failed_jobs" {
  alarm_name          = "${var.name}-spark-jobs-failed"
  alarm_description   = "An EMR Serverless Spark job failed (see the job's driver log in the EMR log group)."
  namespace           = "AWS/EMRServerless"
  metric_name         = "FailedJobs"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  dimensions          = { ApplicationId = var.emr_application_id }
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags
}
