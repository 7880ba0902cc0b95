output "alarm_topic_arn" {
  description = "SNS topic every alarm notifies."
  value       = aws_sns_topic.alarms.arn
}

output "alarm_names" {
  description = "Names of the CloudWatch alarms."
  value = concat(
    [for a in aws_cloudwatch_metric_alarm.ecs_running_tasks : a.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.ecs_memory : a.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.ecs_cpu : a.alarm_name],
    [
      aws_cloudwatch_metric_alarm.code_location_errors.alarm_name,
      aws_cloudwatch_metric_alarm.alb_unhealthy.alarm_name,
      aws_cloudwatch_metric_alarm.alb_5xx.alarm_name,
      aws_cloudwatch_metric_alarm.rds_cpu.alarm_name,
      aws_cloudwatch_metric_alarm.rds_storage.alarm_name,
      aws_cloudwatch_metric_alarm.rds_memory.alarm_name,
      aws_cloudwatch_metric_alarm.emr_failed_jobs.alarm_name,
    ],
  )
}
