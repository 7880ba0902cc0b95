# The Slack credentials for alerts. Terraform creates the secret, never its value: put
# it once with
#   aws secretsmanager put-secret-value --secret-id <slack_secret_arn> \
#     --secret-string '{"SLACK_BOT_TOKEN":"xoxb-...","SHOP_SLACK_WEBHOOK_URL":""}'
# Both JSON keys must exist (one may be empty): ECS resolves each key at task start.

resource "aws_secretsmanager_secret" "slack" {
  #checkov:skip=CKV2_AWS_57:Slack bot tokens and webhook URLs are issued and revoked in Slack; no rotation Lambda can mint a new one. Rotate by hand with put-secret-value.
  name_prefix             = "${var.name_prefix}/slack-"
  description             = "Slack bot token and webhook URL for shop-analytics alerts (JSON)"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.recovery_window_days
  tags                    = var.tags
}
