"""Pure data about SageMaker and LMI (no aws_cdk import): instances, image registries, LMI options."""
