"""The main job of `make run`: the course's flower classifier.

One hidden layer of 4 tanh units, learning rate 1.2, 10,000 iterations of gradient descent on
the 400-point planar "flower" — the course's week 3 model, through ``nnlab.course.shallow``.
"""

from nnlab.course import shallow
from nnlab.engine import accuracy


def main() -> None:
    X, Y = shallow.load_planar_dataset()
    print(f"flower: X {X.shape}, Y {Y.shape}; 4 tanh hidden units, learning rate 1.2, 10000 iterations")
    parameters = shallow.nn_model(X, Y, n_h=4, num_iterations=10000, print_cost=True)
    predictions = shallow.predict(parameters, X)
    print(f"Training accuracy: {100 * accuracy(predictions, Y.astype(bool)):.2f} %")


if __name__ == "__main__":
    main()
