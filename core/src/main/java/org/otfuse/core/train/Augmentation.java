package org.otfuse.core.train;

/** Training-time data augmentation. */
public enum Augmentation {
  /** Images as they are. */
  NONE,
  /**
   * The CIFAR recipe: {@code RandomCrop(size, padding=4)} then {@code RandomHorizontalFlip()}.
   * The padding takes the value a black (0) pixel has after normalisation, as torchvision pads
   * before {@code ToTensor}/{@code Normalize}; see {@link Augmenter}.
   */
  CROP_FLIP
}
