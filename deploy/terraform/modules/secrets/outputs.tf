output "slack_secret_arn" {
  description = "ARN of the Slack secret (JSON keys SLACK_BOT_TOKEN, SHOP_SLACK_WEBHOOK_URL)."
  value       = aws_secretsmanager_secret.slack.arn
}

output "slack_secret_name" {
  description = "Name of the Slack secret."
  value       = aws_secretsmanager_secret.slack.name
}
