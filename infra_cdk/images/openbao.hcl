# OpenBao server on ECS: raft storage on the EFS volume mounted at /openbao/data (never the
# `file` backend), auto-unsealed by the KMS key the observability stack creates
# (BAO_SEAL_AWSKMS_KMS_KEY_ID / AWS_REGION come from the task's environment). TLS ends at the
# internal load balancer; the listener is reachable only from inside the VPC.
ui            = true
disable_mlock = true
api_addr      = "http://vault.finops.internal:8200"
cluster_addr  = "http://127.0.0.1:8201"

storage "raft" {
  path    = "/openbao/data"
  node_id = "finops-vault-0"
}

listener "tcp" {
  address     = "0.0.0.0:8200"
  tls_disable = true
}

seal "awskms" {}
