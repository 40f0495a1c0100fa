"""The construct library: CDK constructs for LMI serving on SageMaker.

Constructs take CDK types (IBucket, IKey, ITopic, ISubnet) and plain props; they never import the
YAML config (lmi_core.config, lmi_core.kinds). The stacks layer (stacks/kinds/) turns configs into
props. Named `lmi_constructs`, not `constructs`: a top-level `constructs/` package would shadow the
`constructs` library that aws_cdk imports.
"""
