# OpenBao (the Vault API) with integrated (raft) storage on EFS and AWS KMS auto-unseal, for ECS.
# Build context: the repository root.
FROM openbao/openbao:2.1
COPY infra_cdk/images/openbao.hcl /openbao/config/openbao.hcl
CMD ["server", "-config=/openbao/config/openbao.hcl"]
