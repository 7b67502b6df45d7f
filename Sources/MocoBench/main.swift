import MocoTensor
print("placeholder")
