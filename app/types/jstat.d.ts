/** The part of jStat (no bundled types) that the studio uses. */
declare module 'jstat' {
  const jStat: {
    studentt: {
      /** Quantile of Student's t distribution with `degreesOfFreedom`. */
      inv(probability: number, degreesOfFreedom: number): number;
    };
  };
  export default jStat;
}
