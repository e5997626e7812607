"""Fine-tuning on Remedy's own traces: hosted (OpenAI, Together: upload the exported file, create
the job) or local (a LoRA adapter on a transformers checkpoint, which the local backend loads).
`remedy finetune` is in cli.py; the providers' training-file formats are schemas/*.json."""
