# Dagster on ECS Fargate: the webserver (behind the ALB), the daemon (exactly one task)
# and the code location gRPC server, all from the one image in ECR. The webserver and
# the daemon reach the code location through ECS Service Connect at code-location:4000,
# the same host and port as in deploy/docker/workspace.yaml. Runs execute inside the
# code location (DefaultRunLauncher); heavy Spark work goes to EMR Serverless.

data "aws_region" "current" {}

locals {
  region       = data.aws_region.current.region
  image        = "${aws_ecr_repository.code_location.repository_url}:${var.image_tag}"
  dagster_home = "/opt/dagster/home"

  services = {
    webserver = {
      cpu     = var.webserver_cpu
      memory  = var.webserver_memory
      role    = var.control_role_arn
      command = ["dagster-webserver", "-h", "0.0.0.0", "-p", tostring(var.webserver_port), "-w", "${local.dagster_home}/workspace.yaml"]
      health  = ["CMD", "python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${var.webserver_port}/server_info', timeout=5)"]
      ports   = [{ name = "http", containerPort = var.webserver_port, protocol = "tcp" }]
    }
    daemon = {
      cpu     = var.daemon_cpu
      memory  = var.daemon_memory
      role    = var.control_role_arn
      command = ["dagster-daemon", "run", "-w", "${local.dagster_home}/workspace.yaml"]
      health  = ["CMD", "dagster-daemon", "liveness-check"]
      ports   = []
    }
    code-location = {
      cpu     = var.code_location_cpu
      memory  = var.code_location_memory
      role    = var.code_location_role_arn
      command = ["dagster", "code-server", "start", "-h", "0.0.0.0", "-p", tostring(var.code_location_port), "-m", "shop_analytics.definitions", "--location-name", "shop_analytics"]
      health  = ["CMD", "dagster", "api", "grpc-health-check", "-p", tostring(var.code_location_port)]
      ports   = [{ name = "grpc", containerPort = var.code_location_port, protocol = "tcp" }]
    }
  }

  # What every Dagster process needs to open the instance (deploy/docker/dagster.yaml).
  instance_environment = {
    DAGSTER_PG_HOST            = var.postgres_host
    DAGSTER_PG_PORT            = tostring(var.postgres_port)
    DAGSTER_PG_DB              = var.postgres_db
    DAGSTER_PG_USER            = var.postgres_user
    DAGSTER_COMPUTE_LOG_BUCKET = var.compute_log_bucket
    DAGSTER_COMPUTE_LOG_PREFIX = var.compute_log_prefix
    AWS_REGION                 = local.region
    # dbt writes artifacts and logs; keep them off the read-only image filesystem.
    DBT_TARGET_PATH = "/tmp/dbt-target"
    DBT_LOG_PATH    = "/tmp/dbt-logs"
  }

  writable_paths = {
    tmp             = "/tmp"
    dagster-storage = "${local.dagster_home}/storage"
    shop-state      = "/var/lib/shop-analytics"
  }

  instance_secrets = {
    DAGSTER_PG_PASSWORD = "${var.postgres_secret_arn}:password::"
  }

  # The pipeline's own settings and the Slack credentials go to the code location only.
  code_location_secrets = {
    SLACK_BOT_TOKEN        = "${var.slack_secret_arn}:SLACK_BOT_TOKEN::"
    SHOP_SLACK_WEBHOOK_URL = "${var.slack_secret_arn}:SHOP_SLACK_WEBHOOK_URL::"
  }
}

# ---------------------------------------------------------------------------------------
# Image repository
# ---------------------------------------------------------------------------------------

resource "aws_ecr_repository" "code_location" {
  name                 = var.ecr_repository_name
  image_tag_mutability = "IMMUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = var.kms_key_arn
  }

  tags = var.tags
}

resource "aws_ecr_lifecycle_policy" "code_location" {
  repository = aws_ecr_repository.code_location.name
  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "Keep the newest ${var.images_to_keep} images (the rollback window)"
      selection = {
        tagStatus   = "any"
        countType   = "imageCountMoreThan"
        countNumber = var.images_to_keep
      }
      action = { type = "expire" }
    }]
  })
}

# ---------------------------------------------------------------------------------------
# Cluster, service discovery, logs
# ---------------------------------------------------------------------------------------

resource "aws_service_discovery_http_namespace" "this" {
  name        = "${var.name}-dagster"
  description = "Service Connect namespace of ${var.name}"
  tags        = var.tags
}

resource "aws_ecs_cluster" "this" {
  name = var.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }

  service_connect_defaults {
    namespace = aws_service_discovery_http_namespace.this.arn
  }

  tags = var.tags
}

resource "aws_cloudwatch_log_group" "service" {
  for_each          = local.services
  name              = "${var.log_group_prefix}/${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

# ---------------------------------------------------------------------------------------
# Security groups
# ---------------------------------------------------------------------------------------

resource "aws_security_group" "alb" {
  name_prefix = "${var.name}-alb-"
  description = "ALB of the Dagster webserver: HTTPS from the allowed ranges"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-alb" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group" "webserver" {
  name_prefix = "${var.name}-webserver-"
  description = "Dagster webserver tasks: HTTP from the ALB"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-webserver" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group" "daemon" {
  name_prefix = "${var.name}-daemon-"
  description = "Dagster daemon task: no inbound traffic"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-daemon" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group" "code_location" {
  name_prefix = "${var.name}-code-location-"
  description = "Dagster code location tasks: gRPC from the webserver and the daemon"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-code-location" })

  lifecycle {
    create_before_destroy = true
  }
}

locals {
  task_security_group_ids = {
    webserver       = aws_security_group.webserver.id
    daemon          = aws_security_group.daemon.id
    "code-location" = aws_security_group.code_location.id
  }
}

resource "aws_vpc_security_group_ingress_rule" "alb_https" {
  for_each          = toset(var.allowed_cidr_blocks)
  security_group_id = aws_security_group.alb.id
  cidr_ipv4         = each.value
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  description       = "HTTPS from ${each.value}"
}

resource "aws_vpc_security_group_ingress_rule" "alb_http_redirect" {
  for_each          = toset(var.allowed_cidr_blocks)
  security_group_id = aws_security_group.alb.id
  cidr_ipv4         = each.value
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  description       = "HTTP from ${each.value}, redirected to HTTPS"
}

resource "aws_vpc_security_group_egress_rule" "alb_to_webserver" {
  security_group_id            = aws_security_group.alb.id
  referenced_security_group_id = aws_security_group.webserver.id
  ip_protocol                  = "tcp"
  from_port                    = var.webserver_port
  to_port                      = var.webserver_port
  description                  = "To the webserver tasks"
}

resource "aws_vpc_security_group_ingress_rule" "webserver_from_alb" {
  security_group_id            = aws_security_group.webserver.id
  referenced_security_group_id = aws_security_group.alb.id
  ip_protocol                  = "tcp"
  from_port                    = var.webserver_port
  to_port                      = var.webserver_port
  description                  = "From the ALB"
}

resource "aws_vpc_security_group_ingress_rule" "code_location_grpc" {
  for_each                     = toset(["webserver", "daemon"])
  security_group_id            = aws_security_group.code_location.id
  referenced_security_group_id = local.task_security_group_ids[each.key]
  ip_protocol                  = "tcp"
  from_port                    = var.code_location_port
  to_port                      = var.code_location_port
  description                  = "Dagster gRPC from the ${each.key}"
}

resource "aws_vpc_security_group_egress_rule" "task_https" {
  for_each          = local.services
  security_group_id = local.task_security_group_ids[each.key]
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  description       = "AWS APIs, ECR and Slack over TLS"
}

resource "aws_vpc_security_group_egress_rule" "task_postgres" {
  for_each          = local.services
  security_group_id = local.task_security_group_ids[each.key]
  cidr_ipv4         = var.vpc_cidr_block
  ip_protocol       = "tcp"
  from_port         = 5432
  to_port           = 5432
  description       = "Dagster storage on RDS"
}

resource "aws_vpc_security_group_egress_rule" "task_grpc" {
  for_each          = toset(["webserver", "daemon"])
  security_group_id = local.task_security_group_ids[each.key]
  cidr_ipv4         = var.vpc_cidr_block
  ip_protocol       = "tcp"
  from_port         = var.code_location_port
  to_port           = var.code_location_port
  description       = "Dagster gRPC to the code location"
}

resource "aws_vpc_security_group_egress_rule" "code_location_kafka" {
  security_group_id = aws_security_group.code_location.id
  cidr_ipv4         = var.vpc_cidr_block
  ip_protocol       = "tcp"
  from_port         = 9098
  to_port           = 9098
  description       = "MSK Serverless SASL/IAM (sensors read offsets, the simulator produces)"
}

# ---------------------------------------------------------------------------------------
# Load balancer
# ---------------------------------------------------------------------------------------

resource "aws_lb" "this" {
  #checkov:skip=CKV2_AWS_28:Ingress is limited to var.allowed_cidr_blocks (office/VPN ranges); put a WAF web ACL in front before opening the ALB wider.
  #checkov:skip=CKV2_AWS_76:No WAF on this allowlisted ALB (see CKV2_AWS_28), so no Log4j managed rule either.
  name                       = substr("${var.name}-web", 0, 32)
  internal                   = var.internal_alb
  load_balancer_type         = "application"
  security_groups            = [aws_security_group.alb.id]
  subnets                    = var.internal_alb ? var.private_subnet_ids : var.public_subnet_ids
  drop_invalid_header_fields = true
  enable_deletion_protection = var.deletion_protection

  access_logs {
    enabled = true
    bucket  = var.alb_access_logs_bucket
    prefix  = var.alb_access_logs_prefix
  }

  tags = var.tags
}

resource "aws_lb_target_group" "webserver" {
  #checkov:skip=CKV_AWS_378:TLS terminates at the ALB; the hop to the webserver stays inside private subnets and its security group admits only the ALB.
  name_prefix          = "dgweb-"
  port                 = var.webserver_port
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = var.vpc_id
  deregistration_delay = 30

  health_check {
    path                = "/server_info"
    matcher             = "200"
    interval            = 30
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  lifecycle {
    create_before_destroy = true
  }

  tags = var.tags
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.webserver.arn
  }

  tags = var.tags
}

resource "aws_lb_listener" "http_redirect" {
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"

    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }

  tags = var.tags
}

# ---------------------------------------------------------------------------------------
# Task definitions and services
# ---------------------------------------------------------------------------------------

resource "aws_ecs_task_definition" "service" {
  for_each                 = local.services
  family                   = "${var.name}-${each.key}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = each.value.cpu
  memory                   = each.value.memory
  execution_role_arn       = var.execution_role_arn
  task_role_arn            = each.value.role

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  # Writable places on a read-only root filesystem: /tmp (Spark scratch, compute log
  # staging, dbt target/log paths), Dagster's local artifact storage and the platform
  # state folder. All three are declared VOLUMEs in the image.
  dynamic "volume" {
    for_each = local.writable_paths

    content {
      name = volume.key
    }
  }

  container_definitions = jsonencode([{
    name                   = each.key
    image                  = local.image
    essential              = true
    command                = each.value.command
    user                   = "10001:10001"
    readonlyRootFilesystem = var.readonly_root_filesystem
    portMappings           = each.value.ports
    environment = [
      for k, v in merge(local.instance_environment, each.key == "code-location" ? var.code_location_environment : {}) :
      { name = k, value = v }
    ]
    secrets = [
      for k, v in merge(local.instance_secrets, each.key == "code-location" ? local.code_location_secrets : {}) :
      { name = k, valueFrom = v }
    ]
    mountPoints = [
      for volume, path in local.writable_paths : { sourceVolume = volume, containerPath = path, readOnly = false }
    ]
    healthCheck = {
      command     = each.value.health
      interval    = 30
      timeout     = 10
      retries     = 3
      startPeriod = 120
    }
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.service[each.key].name
        awslogs-region        = local.region
        awslogs-stream-prefix = each.key
      }
    }
  }])

  tags = var.tags
}

resource "aws_ecs_service" "code_location" {
  name                               = "code-location"
  cluster                            = aws_ecs_cluster.this.id
  task_definition                    = aws_ecs_task_definition.service["code-location"].arn
  desired_count                      = var.code_location_count
  launch_type                        = "FARGATE"
  platform_version                   = "LATEST"
  propagate_tags                     = "SERVICE"
  enable_execute_command             = var.enable_execute_command
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.code_location.id]
    assign_public_ip = false
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  service_connect_configuration {
    enabled   = true
    namespace = aws_service_discovery_http_namespace.this.arn

    service {
      port_name      = "grpc"
      discovery_name = "code-location"

      client_alias {
        dns_name = "code-location"
        port     = var.code_location_port
      }
    }
  }

  tags = var.tags
}

resource "aws_ecs_service" "webserver" {
  name                               = "webserver"
  cluster                            = aws_ecs_cluster.this.id
  task_definition                    = aws_ecs_task_definition.service["webserver"].arn
  desired_count                      = var.webserver_count
  launch_type                        = "FARGATE"
  platform_version                   = "LATEST"
  propagate_tags                     = "SERVICE"
  enable_execute_command             = var.enable_execute_command
  health_check_grace_period_seconds  = 180
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.webserver.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.webserver.arn
    container_name   = "webserver"
    container_port   = var.webserver_port
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  service_connect_configuration {
    enabled   = true
    namespace = aws_service_discovery_http_namespace.this.arn
  }

  depends_on = [aws_lb_listener.https, aws_ecs_service.code_location]
  tags       = var.tags
}

# Exactly one daemon: a deployment stops the old task before starting the new one.
resource "aws_ecs_service" "daemon" {
  name                               = "daemon"
  cluster                            = aws_ecs_cluster.this.id
  task_definition                    = aws_ecs_task_definition.service["daemon"].arn
  desired_count                      = 1
  launch_type                        = "FARGATE"
  platform_version                   = "LATEST"
  propagate_tags                     = "SERVICE"
  enable_execute_command             = var.enable_execute_command
  deployment_minimum_healthy_percent = 0
  deployment_maximum_percent         = 100

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.daemon.id]
    assign_public_ip = false
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  service_connect_configuration {
    enabled   = true
    namespace = aws_service_discovery_http_namespace.this.arn
  }

  depends_on = [aws_ecs_service.code_location]
  tags       = var.tags
}
