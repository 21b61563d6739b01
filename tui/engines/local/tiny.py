"""A tiny random chat model and its tokenizer, built offline in about a second.

A byte-level BPE trained on a few sentences and a 2-layer Llama: too small to
know anything, big enough that SFT, DPO and GRPO visibly move its loss.
Tests, the benchmark and newcomers' demos (`tunedeck serve --engine local
--tiny`) use it; nothing is downloaded.
"""

from __future__ import annotations

from pathlib import Path

CHATML = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)

SENTENCES = [
    "What is the capital of France?", "The capital of France is Paris.",
    "What is the capital of Italy?", "The capital of Italy is Rome.",
    "Hello, how are you today?", "I am fine, thank you for asking.",
    "Tell me a joke about cats.", "Why did the cat sit on the computer? To keep an eye on the mouse.",
    "What is two plus two?", "Two plus two is four.",
    "Answer with yes or no.", "Yes. No. Maybe. Sure, here is the answer: 42.",
    "The sky is blue and the grass is green.", '{"answer": "ok", "tool": "get_weather"}',
]


def build_tiny_model(out: Path, *, seed: int = 0, hidden: int = 32, layers: int = 2) -> Path:
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    out.mkdir(parents=True, exist_ok=True)
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400, special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    bpe.train_from_iterator(SENTENCES * 4, trainer)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="<|im_end|>",
                                        pad_token="<|endoftext|>")
    tokenizer.chat_template = CHATML
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=hidden, intermediate_size=hidden * 2,
        num_hidden_layers=layers, num_attention_heads=2, num_key_value_heads=2,
        max_position_embeddings=512, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id, bos_token_id=None, tie_word_embeddings=True,
    )
    torch.manual_seed(seed)
    LlamaForCausalLM(config).save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


if __name__ == "__main__":
    import sys

    print(build_tiny_model(Path(sys.argv[1] if len(sys.argv) > 1 else "tiny-chat")))
