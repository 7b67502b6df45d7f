"""The moco kernel against jupyter_kernel_test, the standard conformance suite for Jupyter kernels.

Run with JUPYTER_PATH naming a folder whose kernels/moco holds the kernelspec (`moco kernel install --prefix P`
puts it in P/share/jupyter)."""
import unittest

import jupyter_kernel_test


class MocoKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "moco"
    language_name = "moco"
    file_extension = ".moco"

    code_hello_world = 'print("hello, world")'
    completion_samples = [
        {"text": "knn_acc", "matches": {"knn_accuracy("}},
        {"text": "let xs = [1, 2]\nlinear_pr", "matches": {"linear_probe("}},
    ]
    complete_code_samples = ["1 + 1", "let x = 2", "fn f(a) { return a }"]
    incomplete_code_samples = ["fn f(a) {", "let xs = [1,", "print("]
    invalid_code_samples = ["let = 3", "1 +* 2"]
    code_inspect_sample = "train"
    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": '"a" + "b"', "result": '"ab"'},
    ]
    code_generate_error = "1 / nonexistent_name"
    code_display_data = [
        {"code": "plot([1, 4, 9], title: \"squares\")", "mime": "image/png"},
        {"code": "plot([1, 4, 9], title: \"squares\", format: \"svg\")", "mime": "image/svg+xml"},
    ]
    supported_history_operations = ("tail",)
    code_history_pattern = "6 \\* 7"


if __name__ == "__main__":
    unittest.main()
