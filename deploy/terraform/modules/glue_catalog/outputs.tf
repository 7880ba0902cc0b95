output "database_names" {
  description = "Glue database name per layer, e.g. { bronze = \"shop_dev_bronze\" }."
  value       = { for layer, db in aws_glue_catalog_database.layer : layer => db.name }
}

output "database_arns" {
  description = "Glue database ARNs."
  value       = [for db in aws_glue_catalog_database.layer : db.arn]
}
