"""AWS adapters of the core: boto3 clients with retries, throttled calls and ARN parsing."""
