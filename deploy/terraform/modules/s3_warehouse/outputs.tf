output "warehouse_bucket_name" {
  description = "Bucket of the Iceberg warehouse."
  value       = aws_s3_bucket.warehouse.id
}

output "warehouse_bucket_arn" {
  description = "ARN of the warehouse bucket."
  value       = aws_s3_bucket.warehouse.arn
}

output "warehouse_path" {
  description = "Iceberg warehouse root (SHOP_WAREHOUSE)."
  value       = "s3://${aws_s3_bucket.warehouse.id}/${var.warehouse_prefix}"
}

output "checkpoint_path" {
  description = "Root of the Spark Structured Streaming checkpoints."
  value       = "s3://${aws_s3_bucket.warehouse.id}/checkpoints"
}

output "artifacts_bucket_name" {
  description = "Bucket of Dagster compute logs, EMR job code and EMR logs."
  value       = aws_s3_bucket.artifacts.id
}

output "artifacts_bucket_arn" {
  description = "ARN of the artifacts bucket."
  value       = aws_s3_bucket.artifacts.arn
}

output "access_logs_bucket_name" {
  description = "Bucket of S3 server access logs."
  value       = aws_s3_bucket.access_logs.id
}

output "alb_access_logs_prefix" {
  description = "Prefix in the access-logs bucket that the ALB writes to."
  value       = "alb"
}
