output "address" {
  description = "Host name of the instance (DAGSTER_PG_HOST)."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "Port of the instance (DAGSTER_PG_PORT)."
  value       = aws_db_instance.this.port
}

output "db_name" {
  description = "Database for Dagster (DAGSTER_PG_DB)."
  value       = aws_db_instance.this.db_name
}

output "username" {
  description = "Master user (DAGSTER_PG_USER)."
  value       = aws_db_instance.this.username
}

output "master_user_secret_arn" {
  description = "Secrets Manager secret that RDS keeps the master credentials in (JSON keys username, password)."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}

output "instance_id" {
  description = "Instance identifier (CloudWatch dimension DBInstanceIdentifier)."
  value       = aws_db_instance.this.identifier
}

output "security_group_id" {
  description = "Security group of the instance."
  value       = aws_security_group.this.id
}
