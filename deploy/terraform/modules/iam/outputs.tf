output "ecs_execution_role_arn" {
  description = "Task execution role of every ECS task."
  value       = aws_iam_role.ecs_execution.arn
}

output "dagster_control_role_arn" {
  description = "Task role of the webserver and the daemon."
  value       = aws_iam_role.dagster_control.arn
}

output "code_location_role_arn" {
  description = "Task role of the code location."
  value       = aws_iam_role.code_location.arn
}

output "emr_job_role_arn" {
  description = "Runtime role passed to EMR Serverless StartJobRun."
  value       = aws_iam_role.emr_job.arn
}

output "glue_session_role_arn" {
  description = "Role dbt-glue passes to its Glue interactive sessions."
  value       = aws_iam_role.glue_session.arn
}
