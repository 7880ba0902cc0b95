# One Glue database per medallion layer. Iceberg tables are created by Spark (EMR
# Serverless) and PyIceberg through the Glue catalog; each database's location sits
# under the warehouse path so table paths stay predictable.

locals {
  databases = { for layer in var.layers : layer => "${var.database_prefix}_${layer}" }
}

resource "aws_glue_catalog_database" "layer" {
  for_each     = local.databases
  name         = each.value
  description  = "shop-analytics ${each.key} layer (Iceberg tables)"
  location_uri = "${var.warehouse_path}/${each.value}.db"
  tags         = var.tags
}

# Catalog-wide encryption of table metadata and connection passwords. There is one such
# setting per account and region: leave manage_catalog_encryption false in all but one
# environment when several share an account.
resource "aws_glue_data_catalog_encryption_settings" "this" {
  count = var.manage_catalog_encryption ? 1 : 0

  data_catalog_encryption_settings {
    connection_password_encryption {
      return_connection_password_encrypted = true
      aws_kms_key_id                       = var.kms_key_arn
    }

    encryption_at_rest {
      catalog_encryption_mode = "SSE-KMS"
      sse_aws_kms_key_id      = var.kms_key_arn
    }
  }
}
