"""The pure core: YAML configs, facts, names and serving.properties. Imports no aws_cdk.

Layers, bottom up (each imports only the ones below it):
    facts/                 data: instances, images, LMI options, prices
    issues, naming, serving_properties, bundle, costs
    config/                the YAML format: pydantic blocks and the ModelConfig base classes
    checks/                the check registry and one module per topic
    kinds/                 the kind registry: one module per kind (config, checks, report hooks)
    loader/                discovery, YAML with line numbers, message wording, code bundles
"""
