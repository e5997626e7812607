"""JSON Schemas of the training-file lines the fine-tuning providers accept (data, read with
importlib.resources by agent.finetune.formats)."""
