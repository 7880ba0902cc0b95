variable "name" {
  description = "Name of the VPC and prefix of its parts, e.g. shop-analytics-dev."
  type        = string
}

variable "cidr_block" {
  description = "The VPC's IPv4 range; subnets are /20s carved from a /16."
  type        = string
  default     = "10.40.0.0/16"
}

variable "availability_zones" {
  description = "Zones to span, by name (MSK Serverless and the ALB need at least two)."
  type        = list(string)

  validation {
    condition     = length(var.availability_zones) >= 2 && length(var.availability_zones) <= 4
    error_message = "Name between 2 and 4 availability zones."
  }
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all zones (cheaper, one zone's failure cuts egress) instead of one per zone."
  type        = bool
  default     = true
}

variable "log_retention_days" {
  description = "Retention of the VPC flow log group."
  type        = number
  default     = 365
}

variable "kms_key_arn" {
  description = "KMS key that encrypts the flow log group."
  type        = string
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
