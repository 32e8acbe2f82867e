"""AWS adapters of the core: boto3 clients, event delivery, CloudWatch usage and inventory."""
