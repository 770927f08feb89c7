/**
 * The data sets `fsam-studio data get` can fetch: where their publishers put them and the checksums they
 * published (md5 is what all four publish; it guards against broken transfers and wrong files, which is its
 * job here). A mirror replaces the sources; a mirror that serves recompressed files can bring its own
 * checksums (see checksums.ts).
 */

export const DOWNLOADABLE_DATASETS = ['fashion-mnist', 'mnist', 'cifar10', 'cifar100'] as const;
export type DownloadableDataset = (typeof DOWNLOADABLE_DATASETS)[number];

export interface Checksum {
  algorithm: 'md5' | 'sha256';
  hex: string;
}

export interface RemoteFile {
  name: string;
  checksum: Checksum;
  /** Published size in bytes, for the progress bar before the server says. */
  bytes: number;
  /** A gzipped tar archive, unpacked into the data set's folder and then deleted. */
  archive?: true;
}

export interface CatalogEntry {
  name: DownloadableDataset;
  title: string;
  description: string;
  /** Base URLs tried in order; a file's URL is base + file name. */
  sources: string[];
  files: RemoteFile[];
}

const md5 = (hex: string): Checksum => ({ algorithm: 'md5', hex });

export const CATALOG: Record<DownloadableDataset, CatalogEntry> = {
  'fashion-mnist': {
    name: 'fashion-mnist',
    title: 'Fashion-MNIST',
    description: 'Fashion-MNIST (Zalando): 60,000 + 10,000 grey 28×28 images of 10 kinds of clothing',
    sources: ['http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/'],
    files: [
      { name: 'train-images-idx3-ubyte.gz', checksum: md5('8d4fb7e6c68d591d4c3dfef9ec88bf0d'), bytes: 26_421_880 },
      { name: 'train-labels-idx1-ubyte.gz', checksum: md5('25c81989df183df01b3e8a0aad5dffbe'), bytes: 29_515 },
      { name: 't10k-images-idx3-ubyte.gz', checksum: md5('bef4ecab320f06d8554ea6380940ec79'), bytes: 4_422_102 },
      { name: 't10k-labels-idx1-ubyte.gz', checksum: md5('bb300cfdad3c16e7a12a480ee83cd310'), bytes: 5_148 },
    ],
  },
  mnist: {
    name: 'mnist',
    title: 'MNIST',
    description: 'MNIST handwritten digits: 60,000 + 10,000 grey 28×28 images',
    // LeCun's page now often refuses downloads; the PyTorch project's copy of the same files comes first
    sources: ['https://ossci-datasets.s3.amazonaws.com/mnist/', 'http://yann.lecun.com/exdb/mnist/'],
    files: [
      { name: 'train-images-idx3-ubyte.gz', checksum: md5('f68b3c2dcbeaaa9fbdd348bbdeb94873'), bytes: 9_912_422 },
      { name: 'train-labels-idx1-ubyte.gz', checksum: md5('d53e105ee54ea40749a09fcbcd1e9432'), bytes: 28_881 },
      { name: 't10k-images-idx3-ubyte.gz', checksum: md5('9fb629c4189551a2d022fa330f9573f3'), bytes: 1_648_877 },
      { name: 't10k-labels-idx1-ubyte.gz', checksum: md5('ec29112dd5afa0611ce80d1b7f02629c'), bytes: 4_542 },
    ],
  },
  cifar10: {
    name: 'cifar10',
    title: 'CIFAR-10',
    description: 'CIFAR-10: 50,000 + 10,000 colour 32×32 images of 10 classes (binary version)',
    sources: ['https://www.cs.toronto.edu/~kriz/'],
    files: [{ name: 'cifar-10-binary.tar.gz', checksum: md5('c32a1d4ab5d03f1284b67883e8d87530'), bytes: 170_052_171, archive: true }],
  },
  cifar100: {
    name: 'cifar100',
    title: 'CIFAR-100',
    description: 'CIFAR-100: 50,000 + 10,000 colour 32×32 images of 100 classes (fine labels; binary version)',
    sources: ['https://www.cs.toronto.edu/~kriz/'],
    files: [{ name: 'cifar-100-binary.tar.gz', checksum: md5('03b5dce01913d631647c71ecec9e9cb8'), bytes: 168_513_733, archive: true }],
  },
};

export function isDownloadable(name: string): name is DownloadableDataset {
  return (DOWNLOADABLE_DATASETS as readonly string[]).includes(name);
}

/** The URL of `file` under a base: a mirror may write {name} for the data set's name (http://host/data/{name}/). */
export function fileUrl(base: string, dataset: DownloadableDataset, file: string): string {
  const expanded = base.replaceAll('{name}', dataset);
  return expanded.endsWith('/') ? expanded + file : `${expanded}/${file}`;
}
