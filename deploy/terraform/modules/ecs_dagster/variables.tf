variable "name" {
  description = "Name of the cluster and prefix of its parts, e.g. shop-analytics-dev."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the services."
  type        = string
}

variable "vpc_cidr_block" {
  description = "IPv4 range of the VPC (egress to RDS, MSK and the code location)."
  type        = string
}

variable "public_subnet_ids" {
  description = "Subnets of an internet-facing ALB."
  type        = list(string)
}

variable "private_subnet_ids" {
  description = "Subnets of the tasks (and of an internal ALB)."
  type        = list(string)
}

variable "internal_alb" {
  description = "Place the ALB in private subnets, reachable only through VPN or peering."
  type        = bool
  default     = false
}

variable "allowed_cidr_blocks" {
  description = "Ranges allowed to reach the Dagster UI. The webserver has no login of its own: keep this to office/VPN ranges."
  type        = list(string)

  validation {
    condition     = length(var.allowed_cidr_blocks) > 0 && !contains(var.allowed_cidr_blocks, "0.0.0.0/0")
    error_message = "List the office/VPN ranges; 0.0.0.0/0 would put an unauthenticated Dagster UI on the internet."
  }
}

variable "certificate_arn" {
  description = "ACM certificate of the ALB's HTTPS listener."
  type        = string
}

variable "alb_access_logs_bucket" {
  description = "Bucket (SSE-S3) for ALB access logs."
  type        = string
}

variable "alb_access_logs_prefix" {
  description = "Key prefix of the ALB access logs."
  type        = string
  default     = "alb"
}

variable "deletion_protection" {
  description = "Protect the ALB from deletion."
  type        = bool
  default     = true
}

variable "ecr_repository_name" {
  description = "Name of the ECR repository of the code location image."
  type        = string
}

variable "images_to_keep" {
  description = "Images kept in ECR (older ones expire); the rollback window."
  type        = number
  default     = 30
}

variable "image_tag" {
  description = "Immutable tag of the image to run (the git commit SHA). Changing it rolls out; setting the previous one rolls back."
  type        = string
}

variable "cpu_architecture" {
  description = "X86_64 or ARM64; must match the image's platform."
  type        = string
  default     = "X86_64"
}

variable "execution_role_arn" {
  description = "Task execution role (image pull, logs, secrets)."
  type        = string
}

variable "control_role_arn" {
  description = "Task role of the webserver and the daemon."
  type        = string
}

variable "code_location_role_arn" {
  description = "Task role of the code location."
  type        = string
}

variable "code_location_environment" {
  description = "Settings of the code location (the SHOP_* variables and AWS specifics)."
  type        = map(string)
}

variable "slack_secret_arn" {
  description = "Secret with the JSON keys SLACK_BOT_TOKEN and SHOP_SLACK_WEBHOOK_URL."
  type        = string
}

variable "postgres_host" {
  description = "Host of Dagster's PostgreSQL storage."
  type        = string
}

variable "postgres_port" {
  description = "Port of Dagster's PostgreSQL storage."
  type        = number
  default     = 5432
}

variable "postgres_db" {
  description = "Database of Dagster's storage."
  type        = string
}

variable "postgres_user" {
  description = "User of Dagster's storage."
  type        = string
}

variable "postgres_secret_arn" {
  description = "Secret holding the PostgreSQL password under the JSON key password (the RDS-managed master secret)."
  type        = string
}

variable "compute_log_bucket" {
  description = "Bucket of Dagster compute logs."
  type        = string
}

variable "compute_log_prefix" {
  description = "Key prefix of Dagster compute logs."
  type        = string
  default     = "dagster/compute-logs"
}

variable "webserver_port" {
  description = "Port of the Dagster webserver (as in the local platform)."
  type        = number
  default     = 3000
}

variable "code_location_port" {
  description = "Port of the code location's gRPC server (as in workspace.yaml)."
  type        = number
  default     = 4000
}

variable "webserver_cpu" {
  description = "Fargate CPU units of a webserver task."
  type        = number
  default     = 512
}

variable "webserver_memory" {
  description = "Fargate memory (MiB) of a webserver task."
  type        = number
  default     = 1024
}

variable "daemon_cpu" {
  description = "Fargate CPU units of the daemon task."
  type        = number
  default     = 256
}

variable "daemon_memory" {
  description = "Fargate memory (MiB) of the daemon task."
  type        = number
  default     = 1024
}

variable "code_location_cpu" {
  description = "Fargate CPU units of a code location task (runs execute here)."
  type        = number
  default     = 1024
}

variable "code_location_memory" {
  description = "Fargate memory (MiB) of a code location task."
  type        = number
  default     = 4096
}

variable "webserver_count" {
  description = "Webserver tasks."
  type        = number
  default     = 1
}

variable "code_location_count" {
  description = "Code location tasks."
  type        = number
  default     = 1
}

variable "readonly_root_filesystem" {
  description = "Run containers on a read-only root filesystem (writable: /tmp, Dagster storage, the platform state folder)."
  type        = bool
  default     = true
}

variable "enable_execute_command" {
  description = "Allow ECS Exec into the tasks (debugging)."
  type        = bool
  default     = false
}

variable "log_group_prefix" {
  description = "Name prefix of the container log groups; must match the iam module's ecs_log_group_prefix."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the container log groups."
  type        = number
  default     = 365
}

variable "kms_key_arn" {
  description = "KMS key for ECR and the log groups."
  type        = string
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
