"""The card layer: PC/SC readers and cards, ATR classification, PKCS#11 tokens, identity. No UI."""
