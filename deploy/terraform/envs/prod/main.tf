# One environment of shop-analytics on AWS. envs/dev and envs/prod compose the same
# modules; what differs between them is in variables.tf defaults and terraform.tfvars.

locals {
  name = "shop-analytics-${var.environment}"
  tags = merge(var.tags, {
    Project     = "shop-analytics"
    Environment = var.environment
    ManagedBy   = "terraform"
  })

  ecs_log_group_prefix = "/shop-analytics/${local.name}/ecs"
  ecr_repository_name  = "shop-analytics/${var.environment}/code-location"
  compute_log_prefix   = "dagster/compute-logs"

  # The code location's settings (SHOP_ENV=aws selects the AWS resources; the rest says
  # where they are). Passed to the ECS task and exported as an output.
  code_location_settings = {
    SHOP_ENV                   = "aws"
    SHOP_AWS_REGION            = var.region
    SHOP_KAFKA_BOOTSTRAP       = module.msk.bootstrap_brokers_sasl_iam
    SHOP_KAFKA_TOPIC_PREFIX    = module.msk.topic_prefix
    SHOP_SCHEMA_REGISTRY_URL   = var.schema_registry_url
    SHOP_WAREHOUSE             = module.s3_warehouse.warehouse_path
    SHOP_CHECKPOINT_ROOT       = module.s3_warehouse.checkpoint_path
    SHOP_ARTIFACTS_BUCKET      = module.s3_warehouse.artifacts_bucket_name
    SHOP_GLUE_DATABASE_BRONZE  = module.glue_catalog.database_names["bronze"]
    SHOP_GLUE_DATABASE_SILVER  = module.glue_catalog.database_names["silver"]
    SHOP_GLUE_DATABASE_GOLD    = module.glue_catalog.database_names["gold"]
    SHOP_EMR_APPLICATION_ID    = module.emr_serverless.application_id
    SHOP_EMR_JOB_ROLE_ARN      = module.iam.emr_job_role_arn
    SHOP_GLUE_SESSION_ROLE_ARN = module.iam.glue_session_role_arn
  }
}

module "kms" {
  source      = "../../modules/kms"
  name_prefix = local.name
  tags        = local.tags
}

module "vpc" {
  source             = "../../modules/vpc"
  name               = local.name
  cidr_block         = var.vpc_cidr_block
  availability_zones = var.availability_zones
  single_nat_gateway = var.single_nat_gateway
  log_retention_days = var.log_retention_days
  kms_key_arn        = module.kms.key_arn
  tags               = local.tags
}

module "s3_warehouse" {
  source                             = "../../modules/s3_warehouse"
  name_prefix                        = local.name
  kms_key_arn                        = module.kms.key_arn
  noncurrent_version_expiration_days = var.noncurrent_version_expiration_days
  log_expiration_days                = var.s3_log_expiration_days
  force_destroy                      = var.force_destroy_buckets
  tags                               = local.tags
}

module "glue_catalog" {
  source                    = "../../modules/glue_catalog"
  database_prefix           = "shop_${var.environment}"
  warehouse_path            = module.s3_warehouse.warehouse_path
  kms_key_arn               = module.kms.key_arn
  manage_catalog_encryption = var.manage_glue_catalog_encryption
  tags                      = local.tags
}

module "secrets" {
  source      = "../../modules/secrets"
  name_prefix = local.name
  kms_key_arn = module.kms.key_arn
  tags        = local.tags
}

module "msk" {
  source       = "../../modules/msk_serverless"
  name         = local.name
  vpc_id       = module.vpc.vpc_id
  subnet_ids   = module.vpc.private_subnet_ids
  topic_prefix = var.kafka_topic_prefix
  client_security_group_ids = {
    code_location = module.ecs_dagster.code_location_security_group_id
    emr_jobs      = module.emr_serverless.security_group_id
  }
  tags = local.tags
}

module "emr_serverless" {
  source                = "../../modules/emr_serverless"
  name                  = local.name
  release_label         = var.emr_release_label
  vpc_id                = module.vpc.vpc_id
  vpc_cidr_block        = module.vpc.vpc_cidr_block
  subnet_ids            = module.vpc.private_subnet_ids
  warehouse_path        = module.s3_warehouse.warehouse_path
  artifacts_bucket_name = module.s3_warehouse.artifacts_bucket_name
  kms_key_arn           = module.kms.key_arn
  max_vcpu              = var.emr_max_vcpu
  max_memory_gb         = var.emr_max_memory_gb
  log_retention_days    = var.log_retention_days
  tags                  = local.tags
}

module "rds_postgres" {
  source                    = "../../modules/rds_postgres"
  identifier                = "${local.name}-dagster"
  vpc_id                    = module.vpc.vpc_id
  subnet_ids                = module.vpc.private_subnet_ids
  client_security_group_ids = module.ecs_dagster.task_security_group_ids
  instance_class            = var.rds_instance_class
  multi_az                  = var.rds_multi_az
  backup_retention_days     = var.rds_backup_retention_days
  deletion_protection       = var.deletion_protection
  kms_key_arn               = module.kms.key_arn
  tags                      = local.tags
}

module "iam" {
  source               = "../../modules/iam"
  name_prefix          = local.name
  kms_key_arn          = module.kms.key_arn
  warehouse_bucket_arn = module.s3_warehouse.warehouse_bucket_arn
  artifacts_bucket_arn = module.s3_warehouse.artifacts_bucket_arn
  compute_log_prefix   = local.compute_log_prefix
  glue_database_names  = values(module.glue_catalog.database_names)
  msk_cluster_arn      = module.msk.cluster_arn
  msk_cluster_name     = module.msk.cluster_name
  msk_cluster_uuid     = module.msk.cluster_uuid
  kafka_topic_prefix   = module.msk.topic_prefix
  emr_application_arn  = module.emr_serverless.application_arn
  emr_log_group_arn    = module.emr_serverless.log_group_arn
  ecr_repository_name  = local.ecr_repository_name
  ecs_log_group_prefix = local.ecs_log_group_prefix
  injected_secret_arns = [module.secrets.slack_secret_arn, module.rds_postgres.master_user_secret_arn]
  tags                 = local.tags
}

module "ecs_dagster" {
  source                    = "../../modules/ecs_dagster"
  name                      = local.name
  vpc_id                    = module.vpc.vpc_id
  vpc_cidr_block            = module.vpc.vpc_cidr_block
  public_subnet_ids         = module.vpc.public_subnet_ids
  private_subnet_ids        = module.vpc.private_subnet_ids
  internal_alb              = var.internal_alb
  allowed_cidr_blocks       = var.allowed_cidr_blocks
  certificate_arn           = var.certificate_arn
  alb_access_logs_bucket    = module.s3_warehouse.access_logs_bucket_name
  alb_access_logs_prefix    = module.s3_warehouse.alb_access_logs_prefix
  deletion_protection       = var.deletion_protection
  ecr_repository_name       = local.ecr_repository_name
  image_tag                 = var.image_tag
  execution_role_arn        = module.iam.ecs_execution_role_arn
  control_role_arn          = module.iam.dagster_control_role_arn
  code_location_role_arn    = module.iam.code_location_role_arn
  code_location_environment = local.code_location_settings
  slack_secret_arn          = module.secrets.slack_secret_arn
  postgres_host             = module.rds_postgres.address
  postgres_port             = module.rds_postgres.port
  postgres_db               = module.rds_postgres.db_name
  postgres_user             = module.rds_postgres.username
  postgres_secret_arn       = module.rds_postgres.master_user_secret_arn
  compute_log_bucket        = module.s3_warehouse.artifacts_bucket_name
  compute_log_prefix        = local.compute_log_prefix
  webserver_count           = var.webserver_count
  code_location_cpu         = var.code_location_cpu
  code_location_memory      = var.code_location_memory
  log_group_prefix          = local.ecs_log_group_prefix
  log_retention_days        = var.log_retention_days
  kms_key_arn               = module.kms.key_arn
  tags                      = local.tags
}

module "monitoring" {
  source                       = "../../modules/monitoring"
  name                         = local.name
  kms_key_arn                  = module.kms.key_arn
  alarm_emails                 = var.alarm_emails
  ecs_cluster_name             = module.ecs_dagster.cluster_name
  ecs_service_names            = module.ecs_dagster.service_names
  code_location_log_group_name = module.ecs_dagster.log_group_names["code-location"]
  alb_arn_suffix               = module.ecs_dagster.alb_arn_suffix
  target_group_arn_suffix      = module.ecs_dagster.target_group_arn_suffix
  rds_instance_id              = module.rds_postgres.instance_id
  emr_application_id           = module.emr_serverless.application_id
  tags                         = local.tags
}
